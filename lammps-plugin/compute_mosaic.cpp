/* compute mosaic/grade and compute mosaic/sigma (see compute_mosaic.h).
 *
 * Part of Mosaic. This compute is a derived work of LAMMPS and is distributed under the GNU General
 * Public License, version 2 (see LICENSE in this folder).
 *
 * The Swift core differentiates every atomic energy with respect to the fitted parameters (dual
 * numbers) on the pair style's own full neighbour list, which is current whenever LAMMPS invokes a
 * compute (after the forces of the step). Nothing is computed on steps where no one asks, and the pair
 * style evaluates once per step for both computes (PairMosaic::uncertainty).
 */
#include "compute_mosaic.h"

#include "atom.h"
#include "comm.h"
#include "domain.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "neigh_list.h"
#include "neighbor.h"
#include "pair_mosaic.h"
#include "update.h"
#include "mosaic_capi.h"

#include <algorithm>
#include <cmath>
#include <string>

using namespace LAMMPS_NS;

ComputeMosaic::ComputeMosaic(LAMMPS *lmp, int narg, char **arg, Quantity what) :
    Compute(lmp, narg, arg), quantity(what)
{
  const std::string style = what == Quantity::grade ? "mosaic/grade" : "mosaic/sigma";
  if (narg != 3) error->all(FLERR, "compute " + style + " takes no arguments: compute ID group " + style);
  peratom_flag = 1;
  size_peratom_cols = 0;
  scalar_flag = 1;
  extscalar = 0;
  if (what == Quantity::sigma) {
    vector_flag = 1;
    size_vector = 2;
    extvector = 0;
    vector = new double[2];
  }
}

ComputeMosaic::~ComputeMosaic()
{
  delete[] vector;
  memory->destroy(values);
}

void ComputeMosaic::init()
{
  const std::string style = quantity == Quantity::grade ? "mosaic/grade" : "mosaic/sigma";
  pair = dynamic_cast<PairMosaic *>(force->pair_match("mosaic", 0));
  if (!pair || !pair->handle())
    error->all(FLERR, "compute " + style + " needs pair_style mosaic with a potential (pair_coeff * * FILE ...)");
  const int size = mosaic_potential_uncertainty_size(pair->handle());
  if (size <= 0)
    error->all(FLERR, "compute " + style + ": potential " + pair->file_name() +
                      " has no uncertainty section (fix: refit it with this Mosaic, mosaic fit, to get grades and sigma)");
}

void ComputeMosaic::compute_peratom()
{
  invoked_peratom = update->ntimestep;
  if (atom->nmax > nmax) {
    memory->destroy(values);
    nmax = atom->nmax;
    memory->create(values, nmax, "mosaic:values");
  }
  vector_atom = values;
  const auto &result = pair->uncertainty(groupbit, false);
  const auto &source = quantity == Quantity::grade ? result.grade : result.sigma;
  std::copy(source.begin(), source.begin() + atom->nlocal, values);
}

double ComputeMosaic::compute_scalar()
{
  invoked_scalar = update->ntimestep;
  if (quantity == Quantity::grade) {
    const auto &result = pair->uncertainty(groupbit, false);
    double local = 0.0;
    for (int i = 0; i < atom->nlocal; i++) local = std::max(local, result.grade[i]);
    MPI_Allreduce(&local, &scalar, 1, MPI_DOUBLE, MPI_MAX, world);
  } else {
    // sigma of the energy alone: the summed energy gradient, without the virial trace's (half the cost).
    const auto &result = pair->uncertainty(groupbit, false);
    std::vector<double> total(result.energy_gradient.size());
    MPI_Allreduce(result.energy_gradient.data(), total.data(), (int) total.size(), MPI_DOUBLE, MPI_SUM, world);
    scalar = mosaic_potential_sigma(pair->handle(), total.data());
  }
  return scalar;
}

void ComputeMosaic::compute_vector()
{
  invoked_vector = update->ntimestep;
  const auto &result = pair->uncertainty(groupbit, true);
  const int size = (int) result.energy_gradient.size();
  std::vector<double> local(2 * size), total(2 * size);
  std::copy(result.energy_gradient.begin(), result.energy_gradient.end(), local.begin());
  std::copy(result.virial_trace_gradient.begin(), result.virial_trace_gradient.end(), local.begin() + size);
  MPI_Allreduce(local.data(), total.data(), 2 * size, MPI_DOUBLE, MPI_SUM, world);
  vector[0] = mosaic_potential_sigma(pair->handle(), total.data());
  // Virial pressure P = tr W / (3V): sigma_P = sigma(tr W) / (3V), in the style's pressure units.
  const double volume = domain->dimension == 3 ? domain->xprd * domain->yprd * domain->zprd : domain->xprd * domain->yprd;
  vector[1] = mosaic_potential_sigma(pair->handle(), total.data() + size) / (domain->dimension * volume) * force->nktv2p;
}

double ComputeMosaic::memory_usage()
{
  return (double) nmax * sizeof(double);
}
