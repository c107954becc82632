import MosaicCore
import MosaicFiles
import MosaicFisher
import MosaicFit
import MosaicModel
import MosaicProperties
import MosaicTestSupport
import XCTest

final class FisherTests: XCTestCase {
    let nb = Element(symbol: "Nb")!

    func dataset(labelledBy model: CompositeModel? = nil) throws -> Dataset {
        let structures =
            Array(niobium["Nb_Elastic"]!.prefix(6)) + [
                niobium["Nb_Surface"]![5], randomTriclinic(atoms: 6, seed: 2, scale: 5.5),
            ]
        guard let model else { return Dataset(structures) }
        return try labelled(structures, by: model)
    }

    /// For a model linear in its parameters, the FIM is XᵀWX with X the design matrix: the
    /// energy, forces and virial of each basis function alone.
    func testLinearModelFIMIsDesignMatrixGram() throws {
        let pair = PairSplineTerm(inner: 2.0, cutoff: 5.0, coefficients: [0.2, -0.1, 0.05, 0.01, -0.02])
        let model = CompositeModel(
            elements: [nb], terms: [.reference(ReferenceEnergyTerm(energies: ["Nb": -9])), .pairSpline(pair)])
        let data = try dataset(labelledBy: model)
        let weights = FitWeights()
        let fim = try FisherAnalysis(model: model, data: try PreparedDataset(data, model: model), weights: weights)
        // Columns of X, weighted row by row as the loss weighs residuals, each kind by its balance
        // factor √(R/(K·N_kind)) counted here from the data.
        let energyRows = Double(data.structures.count)
        let forceRows = Double(data.structures.reduce(0) { $0 + 3 * $1.count })
        let stressRows = Double(6 * data.structures.count)
        let rows = energyRows + forceRows + stressRows
        let (be, bf, bs) = (
            (rows / (3 * energyRows)).squareRoot(), (rows / (3 * forceRows)).squareRoot(),
            (rows / (3 * stressRows)).squareRoot()
        )
        var columns: [[Double]] = []
        for k in 0..<model.parameterCount {
            var unit = model
            unit.naturalParameters = (0..<model.parameterCount).map { $0 == k ? 1 : 0 }
            var column: [Double] = []
            for s in data.structures {
                let p = try unit.predict(s)
                column.append(be * p.energy / (weights.energyTolerance * Double(s.count)))
                for f in p.forceVectors { column += [f.x, f.y, f.z].map { bf * $0 / weights.forceTolerance } }
                column += p.virial.map {
                    -bs * $0 / s.volume * Units.eVPerCubicAngstromInGPa / weights.stressTolerance
                }
            }
            columns.append(column)
        }
        let p = model.parameterCount
        for i in 0..<p {
            for j in 0..<p {
                let expected = zip(columns[i], columns[j]).reduce(0) { $0 + $1.0 * $1.1 }
                XCTAssertEqual(
                    fim.matrix[i * p + j], expected, accuracy: 1e-9 * max(1, abs(expected)), "FIM[\(i)][\(j)]")
            }
        }
    }

    /// Two identical embedding terms make their parameters indistinguishable: zero eigenvalues, and the
    /// sloppiest modes are made of exactly those parameters.
    func testDuplicatedTermShowsZeroEigenvalueAndNamesParameters() throws {
        let model = duplicatedEmbeddingModel()
        let data = try dataset(labelledBy: model)
        // Row-by-row weights: with energies weighted up, the reference energy and the pair spline's
        // outermost coefficients form a third (not exact) sloppy mode on these few cells.
        var weights = FitWeights()
        weights.balanceKinds = false
        let fim = try FisherAnalysis(model: model, data: try PreparedDataset(data, model: model), weights: weights)
        XCTAssertLessThan(fim.eigenvalues[0], 1e-10 * fim.largestEigenvalue)
        XCTAssertLessThan(fim.eigenvalues[1], 1e-10 * fim.largestEigenvalue)
        XCTAssertGreaterThan(
            fim.eigenvalues[2], 1e-8 * fim.largestEigenvalue, "only the two duplicated directions are singular")
        XCTAssertEqual(fim.sloppyModes.count, 2)
        XCTAssertEqual(fim.conditionNumber > 1e10, true)
        let duplicated: Set<String> = ["embedding.A", "twin.A", "embedding.density.beta", "twin.density.beta"]
        for mode in fim.sloppyModes {
            let top = fim.dominantParameters(ofMode: mode, count: 2)
            for (_, name, component) in top {
                XCTAssertTrue(duplicated.contains(name), "\(name) in sloppy mode \(mode)")
                XCTAssertGreaterThan(abs(component), 0.5)
            }
        }
        // The undetermined plane is {δ(A − A'), δ(β − β')}: each of the four parameters has weight ½ in
        // it. Its pivots are the first term's A (a tie, the lowest index), then, with A − A' projected out, its β.
        let first = model.parameterNames.filter { $0.hasPrefix("embedding.") }
        XCTAssertEqual(first.count, 2)
        XCTAssertEqual(fim.undeterminedModes, [0, 1])
        for (k, name) in fim.parameterNames.enumerated() where duplicated.contains(name) {
            XCTAssertEqual(fim.undeterminedWeights[k], 0.5, accuracy: 1e-6, name)
        }
        XCTAssertEqual(fim.undeterminedPivots.map { fim.parameterNames[$0] }, first)
        XCTAssertEqual(fim.sloppiestParameters(count: 3).prefix(2).map { model.parameterNames[$0] }, first)
        // Directions below the pseudo-inverse floor are not determined at all: infinite σ and flagged,
        // never a small σ; the pair coefficients stay finite and well determined.
        for (k, name) in fim.parameterNames.enumerated() {
            if duplicated.contains(name) {
                XCTAssertTrue(fim.standardErrors[k].isInfinite, name)
                XCTAssertTrue(fim.poorlyDetermined[k], name)
            } else if name.hasPrefix("pair.") {
                XCTAssertTrue(fim.standardErrors[k].isFinite, name)
                XCTAssertFalse(fim.poorlyDetermined[k], name)
            }
        }
    }

    /// The pivots of a subspace depend on the subspace, not on the basis LAPACK happens to return: subspace
    /// span{e2, (e0 + e3)/√2} in five coordinates, in bases rotated by several angles and with flipped signs. e2 lies
    /// in it wholly (weight 1), e0 and e3 by half each (a tie, the lower index first): pivots 2, then 0. A second
    /// subspace, span{0.8 e1 + 0.6 e4, e3}: weights 1, 0.64, 0.36, pivots 3, then 1.
    func testPivotsOfASubspaceDoNotDependOnItsBasis() {
        let half = 0.5.squareRoot()
        let cases: [(u: [Double], w: [Double], expected: [Int])] = [
            ([0, 0, 1, 0, 0], [half, 0, 0, half, 0], [2, 0]), ([0, 0.8, 0, 0, 0.6], [0, 0, 0, 1, 0], [3, 1]),
        ]
        for (u, w, expected) in cases {
            for angle in [0, 0.3, 1.1, 2.5, -0.7] {
                for sign in [1.0, -1.0] {
                    let a = zip(u, w).map { cos(angle) * $0 + sin(angle) * $1 }
                    let b = zip(u, w).map { sign * (-sin(angle) * $0 + cos(angle) * $1) }
                    XCTAssertEqual(FisherAnalysis.pivots(basis: [a, b]), expected, "angle \(angle), sign \(sign)")
                    XCTAssertEqual(FisherAnalysis.pivots(basis: [b, a]), expected, "swapped, angle \(angle)")
                }
            }
        }
        XCTAssertEqual(FisherAnalysis.pivots(basis: []), [])
    }

    /// Eigenvalues that round-off does not tell apart (closer than 1e-15 λ_max) form one cluster, whose eigenvectors
    /// only span a subspace. The spectra are those of two design candidates (λ/λ_max): niobium's, whose three lowest
    /// modes are 1e-14 apart and each resolved, and the alloy's, whose seven lowest lie within 1e-15 of each other.
    func testEigenvaluesWithinRoundOffFormOneCluster() {
        let resolution = FisherAnalysis.eigenvalueResolution
        XCTAssertEqual(
            FisherAnalysis.clusters(
                Array(0..<4), eigenvalues: [-6.7e-18, 1.3e-14, 1.8e-14, 1.2e-12], resolution: resolution),
            [[0], [1], [2], [3]])
        let alloy = [-1.4e-17, -7.1e-24, 3.6e-19, 6.9e-17, 2.8e-16, 9.9e-16, 1.2e-15, 7.8e-15, 3.1e-14]
        XCTAssertEqual(
            FisherAnalysis.clusters(Array(0..<9), eigenvalues: alloy, resolution: resolution),
            [[0, 1, 2, 3, 4, 5, 6], [7], [8]])
        XCTAssertEqual(FisherAnalysis.clusters([], eigenvalues: [], resolution: resolution), [])
    }

    /// A sloppy but not singular direction (two embeddings with slightly different densities): its
    /// parameters get the large σ the sloppy modes imply, far above what the stiff modes alone give,
    /// and are flagged poorly determined; a property along that direction is flagged too.
    func testSloppyParametersAreFlaggedNotHidden() throws {
        let embedding = EmbeddingTerm(
            cutoff: 5.0, form: .sqrt, coefficients: [1.5], density: .exponential(beta: 2.5, r0: 2.86))
        var near = embedding
        near.name = "near"
        near.density = .exponential(beta: 2.6, r0: 2.86)
        let model = CompositeModel(
            elements: [nb],
            terms: [
                .reference(ReferenceEnergyTerm(energies: ["Nb": -9])),
                .pairSpline(PairSplineTerm(inner: 2.0, cutoff: 5.0, coefficients: [0.2, -0.1, 0.05, 0.01])),
                .embedding(embedding), .embedding(near),
            ])
        var noisy = try dataset(labelledBy: model)
        var rng = SeededGenerator(seed: 5)
        for k in noisy.structures.indices {
            noisy.structures[k].forces = noisy.structures[k].forces?.map {
                $0 + Vec3(Double.random(in: -0.05...0.05, using: &rng), 0, 0)
            }
        }
        let fim = try FisherAnalysis(
            model: model, data: try PreparedDataset(noisy, model: model), weights: FitWeights())
        // The sloppiest mode above the floor (lower modes, if any, are exact zero modes, infinite σ).
        let sloppiest = try XCTUnwrap(
            fim.sloppyModes.first { fim.eigenvalues[$0] >= FisherAnalysis.pseudoInverseFloor * fim.largestEigenvalue })
        let p = fim.parameterCount
        let (column, name, _) = try XCTUnwrap(fim.dominantParameters(ofMode: sloppiest, count: 1).first)
        let k = try XCTUnwrap(fim.parameterNames.firstIndex(of: name))
        XCTAssertEqual(fim.parameterIndices[k], column)
        var stiffOnly = 0.0
        for mode in fim.stiffModes { stiffOnly += pow(fim.eigenvectors[mode * p + k], 2) / fim.eigenvalues[mode] }
        stiffOnly = (fim.residualVariance * stiffOnly).squareRoot()
        XCTAssertGreaterThan(fim.standardErrors[k], 10 * stiffOnly, name)
        XCTAssertTrue(fim.poorlyDetermined[k], name)
        var gradient = [Double](repeating: 0, count: model.parameterCount)
        gradient[column] = 1
        let property = fim.propagate([PropertyGradient(name: "x", unit: "", value: 0, gradient: gradient, method: "")])
        XCTAssertTrue(property[0].isPoorlyDetermined)
    }

    /// In natural units the FIM is the Gauss–Newton Hessian of the cost with respect to the natural
    /// parameters; at zero residual that is exactly the second derivative of the cost.
    func testNaturalCoordinatesFollowTheTransformJacobian() throws {
        let model = CompositeModel(
            elements: [nb],
            terms: [
                .reference(ReferenceEnergyTerm(energies: ["Nb": -9])),
                .bornMayer(BornMayerTerm(cutoff: 3.8, r0: 2.5, amplitude: 0.6, rho: 0.32)),
                .embedding(
                    EmbeddingTerm(
                        cutoff: 5.0, form: .sqrt, coefficients: [1.5], density: .exponential(beta: 2.5, r0: 2.86))),
            ])
        let data = try PreparedDataset(try dataset(labelledBy: model), model: model)
        let weights = FitWeights()
        let natural = try FisherAnalysis(model: model, data: data, weights: weights, coordinates: .natural)
        let fit = try FisherAnalysis(model: model, data: data, weights: weights, coordinates: .fit)
        let relative = try FisherAnalysis(model: model, data: data, weights: weights, coordinates: .relative)
        let problem = LeastSquaresProblem(model: model, data: data, weights: FitWeights())
        let p = model.parameterCount
        for q in 0..<p {
            let h = 1e-4 * abs(model.naturalParameters[q])
            func cost(_ delta: Double) -> Double {
                var shifted = model
                shifted.naturalParameters[q] += delta
                return problem.cost(shifted.internalParameters)
            }
            let second = (cost(h) - 2 * cost(0) + cost(-h)) / (h * h)
            XCTAssertEqual(natural.matrix[q * p + q], second, accuracy: 1e-4 * second, model.parameterNames[q])
        }
        // Log-transformed parameters: FIM_θ = D FIM_nat D with D = value.
        let amplitude = model.parameterNames.firstIndex(of: "repulsion.amplitude")!
        let value = model.naturalParameters[amplitude]
        XCTAssertEqual(
            fit.matrix[amplitude * p + amplitude], natural.matrix[amplitude * p + amplitude] * value * value,
            accuracy: 1e-9 * fit.matrix[amplitude * p + amplitude])
        // Relative coordinates: d/d log|value| — for a log-transformed parameter the same as the fit's.
        XCTAssertEqual(
            relative.matrix[amplitude * p + amplitude], fit.matrix[amplitude * p + amplitude],
            accuracy: 1e-9 * fit.matrix[amplitude * p + amplitude])
    }
}

/// Property uncertainties rest on property gradients: each is checked against an independent derivative.
final class PropertyGradientTests: XCTestCase {
    static let model = try! PotentialFile.read(path: repositoryRoot + "/potentials/Nb.json").model
    static let slab = niobium["Nb_Surface"]!.min { $0.count < $1.count }!
    static let gradients = try! PropertyGradients.compute(
        model: model, elastic: niobium["Nb_Elastic"]!, surfaces: [slab], vacancyCells: 0)

    /// C11, C12, C44 are regression slopes of the stresses of fixed cells, so their exact θ-derivatives
    /// are the same slopes of dσ/dθ (from the dual-number Jacobian): the finite differences must agree.
    func testElasticConstantGradientsEqualRegressionOfStressJacobian() throws {
        let model = Self.model
        let elastic = niobium["Nb_Elastic"]!
        let unstrained = try PropertyReport.unstrainedCell(elastic)
        let jacobian = JacobianEvaluator(model: model)
        let p = model.parameterCount
        var derivatives: [String: SymmetricTensor] = [:]
        func stressDerivative(_ s: Structure, _ q: Int) throws -> SymmetricTensor {
            let key = "\(s.source)#\(q)"
            if let d = derivatives[key] { return d }
            let j = jacobian.jacobian(
                species: try model.speciesIndices(of: s), neighbours: NeighbourList(s, cutoff: model.cutoff))
            for k in 0..<p {
                derivatives["\(s.source)#\(k)"] = SymmetricTensor(
                    voigt: (0..<6).map { -j.virial[$0 * p + k] / s.volume })
            }
            return derivatives[key]!
        }
        var checked = 0
        for q in 0..<p where model.transforms[q] == .identity || q % 3 == 0 {
            let exact = try CubicElasticConstants.fit(cells: elastic, reference: unstrained.cell, maxStrain: 0.02) {
                try stressDerivative($0, q)
            }
            for (name, value) in [("C11", exact.c11), ("C12", exact.c12), ("C44", exact.c44)] {
                let fd = try XCTUnwrap(Self.gradients.first { $0.name == name }).gradient[q]
                XCTAssertEqual(
                    fd, value, accuracy: 1e-5 * max(1, abs(value)), "d\(name)/dθ[\(model.parameterNames[q])]")
                checked += 1
            }
        }
        XCTAssertGreaterThan(checked, 30)
    }

    /// The surface-energy gradient (dE/dθ at the relaxed slab) equals central differences of the
    /// whole calculation: relax the slab again at θ ± h and recompute the surface energy.
    func testRelaxedSurfaceGradientMatchesFiniteDifferencesOfRelaxation() throws {
        let model = Self.model
        let entry = try XCTUnwrap(Self.gradients.first { $0.name.hasPrefix("surface") })
        let aDFT = try PropertyReport.unstrainedCell(niobium["Nb_Elastic"]!).cell.a.x
        func surfaceEnergy(_ m: CompositeModel) throws -> Double {
            var calculator = PropertyCalculator(model: m)
            calculator.relaxation.forceTolerance = 1e-7
            let relaxed = try calculator.relaxation.relax(Self.slab, model: m)
            return PropertyCalculator.surfaceEnergy(
                slab: Self.slab, energy: relaxed.energy, bulkEnergyPerAtom: try calculator.bccEnergy(a: aDFT))
        }
        XCTAssertEqual(entry.value, try surfaceEnergy(model), accuracy: 1e-6)
        let names = model.parameterNames
        // The first parameter of every term, and the last angular coefficient.
        let picks =
            model.terms.compactMap { term in names.firstIndex { $0.hasPrefix(term.name + ".") } }
            + [names.lastIndex { $0.hasPrefix("angular.c") }].compactMap { $0 }
        XCTAssertGreaterThanOrEqual(picks.count, 4)
        for q in picks {
            let h = 1e-4 * max(1, abs(model.internalParameters[q]))
            var plus = model
            var minus = model
            plus.internalParameters[q] += h
            minus.internalParameters[q] -= h
            let fd = (try surfaceEnergy(plus) - surfaceEnergy(minus)) / (2 * h)
            XCTAssertEqual(entry.gradient[q], fd, accuracy: 2e-3 * max(abs(fd), 1e-3), "dγ/dθ[\(names[q])]")
        }
    }

    /// σ² = gᵀ s² FIM⁺ g: a property that is a multiple of one parameter's direction has σ equal to that
    /// multiple of the parameter's standard error.
    func testPropagationMatchesStandardErrors() throws {
        // A well-conditioned model (every standard error finite; the shipped one has a redundancy below the
        // pseudo-inverse floor, which makes every standard error infinite), on real frames.
        let pair = PairSplineTerm(inner: 2.0, cutoff: 5.0, coefficients: [0.2, -0.1, 0.05, 0.01, -0.02])
        let model = CompositeModel(
            elements: [Element(symbol: "Nb")!],
            terms: [.reference(ReferenceEnergyTerm(energies: ["Nb": -9])), .pairSpline(pair)])
        let data = try PreparedDataset(
            Dataset(Array(niobium["Nb_AIMD"]!.prefix(8)) + niobium["Nb_Elastic"]!), model: model)
        let fim = try FisherAnalysis(model: model, data: data, weights: FitWeights(), coordinates: .fit)
        XCTAssertTrue(fim.standardErrors.allSatisfy(\.isFinite), "\(fim.standardErrors)")
        let q = fim.parameterIndices[3]
        var gradient = [Double](repeating: 0, count: model.parameterCount)
        gradient[q] = 3
        let sigma = fim.propagate([PropertyGradient(name: "x", unit: "", value: 0, gradient: gradient, method: "")])[0]
            .sigma
        let column = try XCTUnwrap(fim.parameterIndices.firstIndex(of: q))
        XCTAssertTrue(sigma.isFinite, model.parameterNames[q])
        XCTAssertEqual(sigma, 3 * fim.standardErrors[column], accuracy: 1e-9 * sigma)
        XCTAssertGreaterThan(sigma, 0)
    }
}
