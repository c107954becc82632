/* compute mosaic/grade and compute mosaic/sigma: per-atom extrapolation grades and energy
 * uncertainties of a Mosaic potential, during MD.
 *
 * Part of Mosaic. This compute is a derived work of LAMMPS and is distributed under the GNU General
 * Public License, version 2 (see LICENSE in this folder).
 */
#ifndef MOSAIC_COMPUTE_MOSAIC_H
#define MOSAIC_COMPUTE_MOSAIC_H

#include "compute.h"

#include <vector>

namespace LAMMPS_NS {

/// compute ID group mosaic/grade: per-atom extrapolation grade gamma_i (<= 1 inside what the training
///   atoms spanned); global scalar: the largest gamma over the group and all ranks.
/// compute ID group mosaic/sigma: per-atom sigma_i of E_i (eV); global scalar: sigma of the group's
///   total potential energy (eV), from the summed energy gradient over all ranks; global vector
///   [sigma of the energy (eV), sigma of the virial pressure (pressure units)] (group all: the system's).
/// Both need pair_style mosaic with a potential file that has an uncertainty section (format 2).
class ComputeMosaic : public Compute {
 public:
  enum class Quantity { grade, sigma };
  ComputeMosaic(class LAMMPS *, int, char **, Quantity);
  ~ComputeMosaic() override;
  void init() override;
  void compute_peratom() override;
  double compute_scalar() override;
  void compute_vector() override;
  double memory_usage() override;

  static Compute *grade_creator(class LAMMPS *lmp, int narg, char **arg)
  {
    return new ComputeMosaic(lmp, narg, arg, Quantity::grade);
  }
  static Compute *sigma_creator(class LAMMPS *lmp, int narg, char **arg)
  {
    return new ComputeMosaic(lmp, narg, arg, Quantity::sigma);
  }

 private:
  Quantity quantity;
  class PairMosaic *pair = nullptr;
  int nmax = 0;
  double *values = nullptr;  // the per-atom vector
};

}  // namespace LAMMPS_NS

#endif
