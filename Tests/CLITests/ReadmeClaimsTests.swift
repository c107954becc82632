import Foundation
import MosaicCore
import MosaicFiles
import MosaicFit
import MosaicModel
import MosaicTestSupport
import XCTest

/// The README's table of the shipped potential's errors is what the code computes: every row
/// ("held out: G" or "training, G"; "all groups" for the whole training split) equals an evaluation
/// of potentials/Nb.json on that data to the README's rounding.
final class ReadmeClaimsTests: XCTestCase {
    func testErrorTableOfTheShippedPotential() throws {
        let readme = try String(contentsOfFile: repositoryRoot + "/README.md", encoding: .utf8)
        let rows = readme.split(separator: "\n").map(String.init).filter {
            $0.hasPrefix("| held out: ") || $0.hasPrefix("| training, ")
        }
        XCTAssertGreaterThanOrEqual(rows.count, 6, "the README's error table")
        let model = try PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
        let all = Dataset(niobium["Nb_AIMD"]! + niobium["Nb_Elastic"]! + niobium["Nb_Surface"]!)
        let (training, _) = try all.split(holdingOut: ["Nb_AIMD/Md/1000K"])
        for row in rows {
            let cells = row.split(separator: "|").map { $0.trimmingCharacters(in: .whitespaces) }
            let label = cells[0]
            let group = label.replacingOccurrences(of: "held out: ", with: "")
                .replacingOccurrences(of: "training, ", with: "")
            let data = group == "all groups" ? training : all.filter(group: group)
            let m = EvaluationReport(model: model, data: try PreparedDataset(data, model: model)).overall
            func check(_ text: String, _ value: Double, _ what: String) {
                guard let stated = Double(text) else { return }  // "–": no such label
                let decimals = text.split(separator: ".").last?.count ?? 0
                XCTAssertEqual(value, stated, accuracy: 0.5 * pow(10, -Double(decimals)) + 1e-12, "\(label) \(what)")
            }
            check(cells[1], m.energyRMSE * 1000, "energy")
            check(cells[2], m.forceRMSE, "force")
            check(cells[3], m.stressRMSE, "stress")
        }
    }
}
