/* Ways to make pair_style mosaic known to a LAMMPS instance.
 *
 * Part of Mosaic; a derived work of LAMMPS, distributed under the GNU GPL, version 2 (see LICENSE).
 */
#include "compute_mosaic.h"
#include "force.h"
#include "lammps.h"
#include "modify.h"
#include "pair_mosaic.h"

#if defined(MOSAIC_LAMMPS_PLUGIN)
#include "lammpsplugin.h"
#endif

using namespace LAMMPS_NS;

/// Registers pair_style mosaic and compute mosaic/grade, mosaic/sigma in a LAMMPS instance created with
/// the LAMMPS C library API (lammps_open*, or Python's `lammps().lmp`). Returns 0 on success.
extern "C" int mosaic_lammps_register(void *handle)
{
  if (!handle) return 1;
  auto *lmp = static_cast<LAMMPS *>(handle);
  (*lmp->force->pair_map)["mosaic"] = &PairMosaic::creator;
  (*lmp->modify->compute_map)["mosaic/grade"] = &ComputeMosaic::grade_creator;
  (*lmp->modify->compute_map)["mosaic/sigma"] = &ComputeMosaic::sigma_creator;
  return 0;
}

#if defined(MOSAIC_LAMMPS_PLUGIN)
static void *mosaic_plugin_creator(void *lmp)
{
  return PairMosaic::creator(static_cast<LAMMPS *>(lmp));
}

static void *grade_plugin_creator(void *lmp, int narg, char **arg)
{
  return ComputeMosaic::grade_creator(static_cast<LAMMPS *>(lmp), narg, arg);
}

static void *sigma_plugin_creator(void *lmp, int narg, char **arg)
{
  return ComputeMosaic::sigma_creator(static_cast<LAMMPS *>(lmp), narg, arg);
}

/// Entry point for `plugin load libmosaic_lammps.so` in LAMMPS builds with the PLUGIN package: the pair
/// style and both computes.
extern "C" void lammpsplugin_init(void *lmp, void *handle, void *regfunc)
{
  lammpsplugin_t plugin;
  auto register_plugin = (lammpsplugin_regfunc) regfunc;
  // The host's own version string: the style is compiled against that LAMMPS's headers.
  plugin.version = static_cast<LAMMPS *>(lmp)->version;
  plugin.style = "pair";
  plugin.name = "mosaic";
  plugin.info = "Mosaic composite potentials (https://github.com/ - see README)";
  plugin.author = "Mosaic developers";
  plugin.creator.v1 = (lammpsplugin_factory1 *) &mosaic_plugin_creator;
  plugin.handle = handle;
  (*register_plugin)(&plugin, lmp);

  plugin.style = "compute";
  plugin.name = "mosaic/grade";
  plugin.info = "Mosaic per-atom extrapolation grade";
  plugin.creator.v2 = (lammpsplugin_factory2 *) &grade_plugin_creator;
  (*register_plugin)(&plugin, lmp);

  plugin.name = "mosaic/sigma";
  plugin.info = "Mosaic per-atom energy sigma";
  plugin.creator.v2 = (lammpsplugin_factory2 *) &sigma_plugin_creator;
  (*register_plugin)(&plugin, lmp);
}
#endif
