import ArgumentParser
import MosaicModel

extension MosaicCommand {
    struct Keys: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Print the reference of every model-file key: unit, default and meaning (Markdown).",
            discussion: prose(
                """
                Generated from the term registry, so it lists exactly the keys the reader accepts; the README's
                "Model-file reference" is this output (a test checks that they agree). Units are LAMMPS metal
                units. "required" keys have no default.

                Example:
                  mosaic keys > keys.md
                """))

        func run() throws {
            print(KeyReference.markdown(), terminator: "")
        }
    }
}
