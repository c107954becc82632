/* Ways to make pair_style mosaic known to a LAMMPS instance.
 *
 * Part of Mosaic; a derived work of LAMMPS, distributed under the GNU GPL, version 2 (see LICENSE).
 */
#include "force.h"
#include "lammps.h"
#include "pair_mosaic.h"

#if defined(MOSAIC_LAMMPS_PLUGIN)
#include "lammpsplugin.h"
#endif

using namespace LAMMPS_NS;

/// Registers pair_style mosaic in a LAMMPS instance created with the LAMMPS C library API
/// (lammps_open*, or Python's `lammps().lmp`). Returns 0 on success.
extern "C" int mosaic_lammps_register(void *handle)
{
  if (!handle) return 1;
  auto *lmp = static_cast<LAMMPS *>(handle);
  (*lmp->force->pair_map)["mosaic"] = &PairMosaic::creator;
  return 0;
}

#if defined(MOSAIC_LAMMPS_PLUGIN)
static void *mosaic_plugin_creator(void *lmp)
{
  return PairMosaic::creator(static_cast<LAMMPS *>(lmp));
}

/// Entry point for `plugin load libmosaic_lammps.so` in LAMMPS builds with the PLUGIN package.
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
}
#endif
