/* pair_style mosaic: Mosaic composite potentials in LAMMPS.
 *
 * Part of Mosaic. This pair style is a derived work of LAMMPS and is distributed under the
 * GNU General Public License, version 2 (see LICENSE in this folder).
 *
 * The Swift core computes every atomic energy E_i from a full neighbour list and adds the
 * force contributions to i and its neighbours (ghosts included); with newton pair on, the
 * reverse communication of LAMMPS sums ghost forces, so no forward communication is needed.
 */
#include "pair_mosaic.h"

#include "atom.h"
#include "comm.h"
#include "error.h"
#include "force.h"
#include "memory.h"
#include "neigh_list.h"
#include "neighbor.h"
#include "update.h"
#include "mosaic_capi.h"

#if !defined(MOSAIC_LAMMPS_ADD_REQUEST)
#include "neigh_request.h"
#endif

#include <algorithm>
#include <cstring>
#include <fstream>
#include <sstream>

using namespace LAMMPS_NS;

PairMosaic::PairMosaic(LAMMPS *lmp) : Pair(lmp)
{
  single_enable = 0;
  restartinfo = 0;
  one_coeff = 1;
  manybody_flag = 1;
  // The Swift core returns the exact global virial; no f.r sum over ghosts is needed.
  no_virial_fdotr_compute = 1;
  centroidstressflag = CENTROID_NOTAVAIL;
  if (mosaic_abi_version() != MOSAIC_ABI_VERSION)
    error->all(FLERR, "pair_style mosaic: libMosaicCAPI has ABI version " +
                      std::to_string(mosaic_abi_version()) + ", this pair style needs " +
                      std::to_string(MOSAIC_ABI_VERSION) + " (rebuild the plugin)");
}

PairMosaic::~PairMosaic()
{
  mosaic_potential_destroy(potential);
  if (allocated) {
    memory->destroy(setflag);
    memory->destroy(cutsq);
  }
}

void PairMosaic::allocate()
{
  allocated = 1;
  int n = atom->ntypes;
  memory->create(setflag, n + 1, n + 1, "pair:setflag");
  memory->create(cutsq, n + 1, n + 1, "pair:cutsq");
  for (int i = 1; i <= n; i++)
    for (int j = i; j <= n; j++) setflag[i][j] = 0;
}

void PairMosaic::settings(int narg, char ** /*arg*/)
{
  if (narg != 0) error->all(FLERR, "pair_style mosaic takes no arguments (the file goes to pair_coeff * * FILE ELEMENTS)");
}

void PairMosaic::coeff(int narg, char **arg)
{
  if (!allocated) allocate();
  const int ntypes = atom->ntypes;
  if (narg != 3 + ntypes || strcmp(arg[0], "*") != 0 || strcmp(arg[1], "*") != 0)
    error->all(FLERR, "pair_coeff for mosaic must be: pair_coeff * * <potential.json> <element or NULL for each of the " +
                      std::to_string(ntypes) + " atom types>");
  file = arg[2];

  // Rank 0 reads the file and broadcasts its bytes.
  std::string bytes;
  long size = 0;
  if (comm->me == 0) {
    std::ifstream in(file, std::ios::binary);
    if (in) {
      std::ostringstream text;
      text << in.rdbuf();
      bytes = text.str();
      size = (long) bytes.size();
    } else {
      size = -1;
    }
  }
  MPI_Bcast(&size, 1, MPI_LONG, 0, world);
  if (size < 0) error->all(FLERR, "pair_style mosaic: cannot open potential file " + file + " (fix: check the path given to pair_coeff)");
  bytes.resize(size);
  if (size > 0) MPI_Bcast(&bytes[0], (int) size, MPI_CHAR, 0, world);

  mosaic_potential_destroy(potential);
  char message[2048];
  potential = nullptr;
  if (mosaic_potential_open(bytes.data(), size, file.c_str(), &potential, message, sizeof(message)) != MOSAIC_OK)
    error->all(FLERR, std::string("pair_style mosaic: ") + message);
  cutoff = mosaic_potential_cutoff(potential);

  species_of_type.assign(ntypes + 1, -1);
  int mapped = 0;
  for (int t = 1; t <= ntypes; t++) {
    const char *symbol = arg[2 + t];
    if (strcmp(symbol, "NULL") == 0) continue;
    int index = -1;
    if (mosaic_potential_find_element(potential, symbol, &index, message, sizeof(message)) != MOSAIC_OK)
      error->all(FLERR, "pair_style mosaic: atom type " + std::to_string(t) + " in " + file + ": " + message);
    species_of_type[t] = index;
    atom->set_mass(FLERR, t, mosaic_potential_element_mass(potential, index));
    mapped++;
  }
  if (mapped == 0) error->all(FLERR, "pair_style mosaic: every atom type is NULL in pair_coeff");
  for (int i = 1; i <= ntypes; i++)
    for (int j = i; j <= ntypes; j++)
      setflag[i][j] = (species_of_type[i] >= 0 && species_of_type[j] >= 0) ? 1 : 0;
}

void PairMosaic::init_style()
{
  if (!potential) error->all(FLERR, "pair_style mosaic: no potential; give pair_coeff * * <file> <elements>");
  if (force->newton_pair == 0) error->all(FLERR, "pair_style mosaic requires newton pair on (it uses a full neighbour list and reverse communication)");
  if (strcmp(update->unit_style, "metal") != 0)
    error->all(FLERR, "pair_style mosaic requires units metal (eV, Angstrom), not " + std::string(update->unit_style));
#if defined(MOSAIC_LAMMPS_ADD_REQUEST)
  neighbor->add_request(this, NeighConst::REQ_FULL);
#else
  int irequest = neighbor->request(this, instance_me);
  neighbor->requests[irequest]->half = 0;
  neighbor->requests[irequest]->full = 1;
#endif
}

double PairMosaic::init_one(int i, int j)
{
  if (setflag[i][j] == 0) error->all(FLERR, "pair_style mosaic: all pair coeffs are not set");
  // The pair's own cutoff: the larger of the two directions (a full list sees both).
  const int a = species_of_type[i], b = species_of_type[j];
  return std::max(mosaic_potential_pair_cutoff(potential, a, b), mosaic_potential_pair_cutoff(potential, b, a));
}

// Atom IDs go to the C ABI as int (for messages): LAMMPS_SMALLBIG's tagint.
static_assert(sizeof(tagint) == sizeof(int), "pair_style mosaic needs LAMMPS built with 32-bit atom IDs (SMALLBIG)");

void PairMosaic::compute(int eflag, int vflag)
{
  evaluations++;
  ev_init(eflag, vflag);
  const int nall = atom->nlocal + atom->nghost;
  double energy = 0.0;
  double global_virial[6] = {0.0, 0.0, 0.0, 0.0, 0.0, 0.0};
  char message[2048];
  int status = mosaic_compute(potential, list->inum, list->ilist, list->numneigh, list->firstneigh, NEIGHMASK, nall,
                              nall > 0 ? &atom->x[0][0] : nullptr, atom->type, species_of_type.data(), atom->ntypes,
                              nall > 0 ? &atom->f[0][0] : nullptr, eflag_global ? &energy : nullptr,
                              eflag_atom ? eatom : nullptr, vflag_global ? global_virial : nullptr,
                              vflag_atom ? &vatom[0][0] : nullptr, atom->tag, message, sizeof(message));
  if (status != MOSAIC_OK) error->one(FLERR, std::string("pair_style mosaic: ") + message);
  if (eflag_global) eng_vdwl += energy;
  if (vflag_global)
    for (int k = 0; k < 6; k++) virial[k] += global_virial[k];
}

const PairMosaic::Uncertainty &PairMosaic::uncertainty(int groupbit, bool virial)
{
  if (cached_evaluation == evaluations && cached_group == groupbit && (cache.has_virial || !virial)) return cache;
  if (!list) error->all(FLERR, "compute mosaic: pair_style mosaic has not computed forces yet (run 0 first)");
  const int nlocal = atom->nlocal;
  const int nall = atom->nlocal + atom->nghost;
  cache.grade.assign(std::max(nlocal, 1), 0.0);
  cache.sigma.assign(std::max(nlocal, 1), 0.0);
  cache.energy_gradient.assign(std::max(mosaic_potential_uncertainty_size(potential), 1), 0.0);
  cache.virial_trace_gradient.assign(cache.energy_gradient.size(), 0.0);
  group_ilist.clear();
  for (int ii = 0; ii < list->inum; ii++) {
    const int i = list->ilist[ii];
    if (i < nlocal && (atom->mask[i] & groupbit)) group_ilist.push_back(i);
  }
  char message[2048];
  const int status = mosaic_compute_uncertainty(
      potential, (int) group_ilist.size(), group_ilist.data(), list->numneigh, list->firstneigh, NEIGHMASK, nall,
      nall > 0 ? &atom->x[0][0] : nullptr, atom->type, species_of_type.data(), atom->ntypes, atom->tag,
      cache.grade.data(), cache.sigma.data(), cache.energy_gradient.data(),
      virial ? cache.virial_trace_gradient.data() : nullptr, message, sizeof(message));
  if (status != MOSAIC_OK) error->one(FLERR, std::string("compute mosaic: ") + message);
  cache.has_virial = virial;
  cached_evaluation = evaluations;
  cached_group = groupbit;
  return cache;
}
