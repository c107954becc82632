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

 private:
  mosaic_potential *potential = nullptr;
  std::string file;
  double cutoff = 0.0;
  std::vector<int> species_of_type;  // index 0..ntypes, -1 = NULL
  void allocate();
};

}  // namespace LAMMPS_NS

#endif
