/* pair_style mosaic: Mosaic composite potentials in LAMMPS.
 *
 * Part of Mosaic. This pair style is a derived work of LAMMPS and is distributed under the
 * GNU General Public License, version 2 (see LICENSE in this folder).
 */
#ifndef MOSAIC_PAIR_MOSAIC_H
#define MOSAIC_PAIR_MOSAIC_H

#include "pair.h"

#include <string>
#include <vector>

struct mosaic_potential;

namespace LAMMPS_NS {

/// Many-body pair style evaluating a Mosaic potential file through the Mosaic C ABI.
/// Usage: pair_style mosaic
///        pair_coeff * * potentials/Nb.json Nb [NULL ...]
class PairMosaic : public Pair {
 public:
  explicit PairMosaic(class LAMMPS *);
  ~PairMosaic() override;
  void compute(int, int) override;
  void settings(int, char **) override;
  void coeff(int, char **) override;
  void init_style() override;
  double init_one(int, int) override;

  /// Factory used by every way of registering the style.
  static Pair *creator(class LAMMPS *lmp) { return new PairMosaic(lmp); }

  /// For the mosaic/grade and mosaic/sigma computes: the potential, the file it came from, and the
  /// element index of each atom type (index 0..ntypes, -1 = NULL).
  mosaic_potential *handle() const { return potential; }
  const std::string &file_name() const { return file; }
  const std::vector<int> &species() const { return species_of_type; }

  /// Per-atom grades and sigmas (indexed by local atom, 0 outside the group), the summed energy gradient
  /// and the gradient of the virial trace of the atoms in `groupbit`, for the forces of the last compute(): evaluated once per
  /// force evaluation and group, so mosaic/grade and mosaic/sigma invoked on one step share the work.
  struct Uncertainty {
    std::vector<double> grade, sigma, energy_gradient, virial_trace_gradient;
    bool has_virial = false;  // virial_trace_gradient was computed (it costs about as much again)
  };
  // Grades, sigma and gradients of the atoms of a group at the last force evaluation; the virial trace's
  // gradient (for the pressure sigma) only when `virial` is asked for.
  const Uncertainty &uncertainty(int groupbit, bool virial);

 private:
  mosaic_potential *potential = nullptr;
  std::string file;
  double cutoff = 0.0;
  std::vector<int> species_of_type;  // index 0..ntypes, -1 = NULL
  long evaluations = 0;               // compute() calls so far
  long cached_evaluation = -1;        // the evaluation `cache` belongs to
  int cached_group = 0;
  Uncertainty cache;
  std::vector<int> group_ilist;
  void allocate();
};

}  // namespace LAMMPS_NS

#endif
