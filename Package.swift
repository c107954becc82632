// swift-tools-version: 6.0
// Mosaic: composable interatomic potentials for metals, fitted in Swift and run in LAMMPS.
//
// Modules, from the bottom up (each one's README.md says what it owns):
//   MosaicCore        structures, readers, datasets, neighbour lists, errors
//   MosaicNumerics    LAPACK/BLAS wrappers, parallel map, text tables
//   MosaicModel       terms (one file per type, TermRegistry), composite models, evaluation, Jacobians
//   MosaicFiles       model files (YAML/JSON) and potential files (versioned, hashed)
//   MosaicFit         residual rows, least squares, Levenberg–Marquardt, training, metrics
//   MosaicProperties  relaxation and physical properties computed with a model
//   MosaicFisher      Fisher information, sloppy modes, propagated uncertainties
//   MosaicDesign      the adaptive design loop and the score it chooses by
//   MosaicReports     every SVG/HTML writer (text escaped)
//   mosaic            the command-line tool;  MosaicCAPI  the C ABI that LAMMPS loads
import PackageDescription

/// Release-mode settings shared by the numeric modules (hot loops must be specialised).
let numericSettings: [SwiftSetting] = [
    .unsafeFlags(["-Ounchecked"], .when(configuration: .release))
]

let package = Package(
    name: "Mosaic",
    products: [
        .library(name: "MosaicCore", targets: ["MosaicCore"]),
        .library(name: "MosaicNumerics", targets: ["MosaicNumerics"]),
        .library(name: "MosaicModel", targets: ["MosaicModel"]),
        .library(name: "MosaicFiles", targets: ["MosaicFiles"]),
        .library(name: "MosaicFit", targets: ["MosaicFit"]),
        .library(name: "MosaicFisher", targets: ["MosaicFisher"]),
        .library(name: "MosaicProperties", targets: ["MosaicProperties"]),
        .library(name: "MosaicDesign", targets: ["MosaicDesign"]),
        .library(name: "MosaicReports", targets: ["MosaicReports"]),
        .executable(name: "mosaic", targets: ["mosaic"]),
        // The C ABI (include/mosaic_capi.h) that LAMMPS and other C/C++ codes load.
        .library(name: "MosaicCAPI", type: .dynamic, targets: ["MosaicCAPI"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/jpsim/Yams", from: "6.2.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
    ],
    targets: [
        // LAPACK/BLAS from Debian's OpenBLAS (libopenblas-dev).
        .systemLibrary(name: "CLAPACK", path: "Sources/CLAPACK", providers: [.apt(["libopenblas-dev"])]),
        .target(name: "MosaicCore", exclude: ["README.md"], swiftSettings: numericSettings),
        .target(
            name: "MosaicNumerics", dependencies: ["MosaicCore", "CLAPACK"], exclude: ["README.md"],
            swiftSettings: numericSettings),
        .target(
            name: "MosaicModel", dependencies: ["MosaicCore", "MosaicNumerics"], exclude: ["README.md"],
            swiftSettings: numericSettings),
        .target(
            name: "MosaicFiles",
            dependencies: ["MosaicCore", "MosaicModel", "Yams", .product(name: "Crypto", package: "swift-crypto")],
            exclude: ["README.md"]),
        .target(
            name: "MosaicFit", dependencies: ["MosaicCore", "MosaicNumerics", "MosaicModel", "MosaicFiles"],
            exclude: ["README.md"], swiftSettings: numericSettings),
        .target(
            name: "MosaicProperties", dependencies: ["MosaicCore", "MosaicNumerics", "MosaicModel", "MosaicFiles"],
            exclude: ["README.md"], swiftSettings: numericSettings),
        .target(
            name: "MosaicFisher",
            dependencies: ["MosaicCore", "MosaicNumerics", "MosaicModel", "MosaicFit", "MosaicProperties"],
            exclude: ["README.md"], swiftSettings: numericSettings),
        .target(
            name: "MosaicDesign",
            dependencies: [
                "MosaicCore", "MosaicNumerics", "MosaicModel", "MosaicFit", "MosaicFisher", "MosaicProperties",
            ],
            exclude: ["README.md"], swiftSettings: numericSettings),
        .target(
            name: "MosaicReports",
            dependencies: ["MosaicCore", "MosaicModel", "MosaicFit", "MosaicProperties", "MosaicDesign"],
            exclude: ["README.md"]),
        .target(
            name: "MosaicCAPI", dependencies: ["MosaicCore", "MosaicModel", "MosaicFiles"], exclude: ["README.md"],
            swiftSettings: numericSettings),
        .executableTarget(
            name: "mosaic",
            dependencies: [
                "MosaicCore", "MosaicNumerics", "MosaicModel", "MosaicFiles", "MosaicFit", "MosaicProperties",
                "MosaicFisher",
                "MosaicDesign", "MosaicReports", .product(name: "Crypto", package: "swift-crypto"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ], exclude: ["README.md"]),
        .target(name: "MosaicTestSupport", dependencies: ["MosaicCore", "MosaicModel"]),
        .testTarget(name: "MosaicCoreTests", dependencies: ["MosaicCore", "MosaicTestSupport"]),
        .testTarget(
            name: "MosaicModelTests",
            dependencies: ["MosaicCore", "MosaicModel", "MosaicFiles", "MosaicTestSupport", "Yams"]),
        .testTarget(
            name: "MosaicFisherTests",
            dependencies: [
                "MosaicCore", "MosaicModel", "MosaicFiles", "MosaicFit", "MosaicFisher", "MosaicProperties",
                "MosaicTestSupport",
            ]),
        .testTarget(
            name: "MosaicDesignTests",
            dependencies: [
                "MosaicCore", "MosaicModel", "MosaicFit", "MosaicDesign", "MosaicFisher", "MosaicProperties",
                "MosaicTestSupport",
            ]),
        .testTarget(
            name: "CLITests",
            dependencies: [
                "MosaicCore", "MosaicModel", "MosaicFiles", "MosaicFit", "MosaicProperties", "MosaicReports",
                "MosaicDesign",
                "MosaicTestSupport",
            ]),
        .testTarget(
            name: "LAMMPSTests",
            dependencies: [
                "MosaicCore", "MosaicModel", "MosaicFiles", "MosaicFit", "MosaicFisher", "MosaicProperties",
                "MosaicTestSupport",
            ]),
        .testTarget(
            name: "MosaicPropertiesTests",
            dependencies: ["MosaicCore", "MosaicModel", "MosaicFit", "MosaicProperties", "MosaicTestSupport"]),
        .testTarget(
            name: "MosaicCAPITests",
            dependencies: ["MosaicCAPI", "MosaicCore", "MosaicModel", "MosaicFiles", "MosaicTestSupport"]),
        .testTarget(
            name: "MosaicFitTests",
            dependencies: ["MosaicCore", "MosaicModel", "MosaicFiles", "MosaicFit", "MosaicTestSupport"]),
    ],
    swiftLanguageModes: [.v5]
)
