import Foundation
import MosaicCore
import MosaicModel
import Yams

extension CompositeModel {
    /// Reads a model description (YAML or JSON) and validates it.
    public static func load(path: String) throws -> CompositeModel {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8)
        else {
            throw MosaicError(file: path, "cannot read the model file", fix: "check the path")
        }
        do {
            let model = try YAMLDecoder().decode(CompositeModel.self, from: text)
            try model.validate()
            return model
        } catch let error as MosaicError {
            throw error.inFile(path)
        } catch let error as DecodingError {
            throw MosaicError(
                file: path, describeDecodingError(error),
                fix: "mosaic keys lists every key with its unit and default; examples in examples/models/*.yaml"
            )
        } catch {
            throw MosaicError(file: path, "not valid YAML/JSON: \(error)", fix: "check indentation and brackets")
        }
    }
}
