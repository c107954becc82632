/* lmp_mosaic: Debian's LAMMPS (no PLUGIN package) with pair_style mosaic registered.
 * Used exactly like lmp: lmp_mosaic -in in.file [-var ...] [-log ...], also under mpirun.
 *
 * Part of Mosaic; a derived work of LAMMPS, distributed under the GNU GPL, version 2 (see LICENSE).
 */
#include "input.h"
#include "lammps.h"
#if defined(LAMMPS_EXCEPTIONS)
#include "exceptions.h"
#endif

#include <cstdlib>
#include <dlfcn.h>
#include <mpi.h>

extern "C" int mosaic_lammps_register(void *handle);

using namespace LAMMPS_NS;

/* `clear` destroys LAMMPS's Force object, and with it the table of pair styles where the style was
 * registered, builds a new one and then calls LAMMPS::post_create(). Debian's liblammps calls that
 * function through its PLT, so this executable's definition (exported: ENABLE_EXPORTS) is the one
 * that runs, at start-up and after every `clear`: it runs the library's own post_create and
 * registers pair_style mosaic again. */
void LAMMPS::post_create()
{
  using PostCreate = void (*)(LAMMPS *);
  static PostCreate library = reinterpret_cast<PostCreate>(dlsym(RTLD_NEXT, "_ZN9LAMMPS_NS6LAMMPS11post_createEv"));
  if (library) library(this);
  mosaic_lammps_register(this);
}

int main(int argc, char **argv)
{
  MPI_Init(&argc, &argv);
  MPI_Comm comm = MPI_COMM_WORLD;
#if defined(LAMMPS_EXCEPTIONS)
  try {
    auto *lammps = new LAMMPS(argc, argv, comm);
    mosaic_lammps_register(lammps);
    lammps->input->file();
    delete lammps;
  } catch (LAMMPSAbortException &abort) {
    MPI_Abort(abort.universe, 1);
  } catch (LAMMPSException &) {
    MPI_Barrier(comm);
    MPI_Finalize();
    return 1;
  }
#else
  auto *lammps = new LAMMPS(argc, argv, comm);
  mosaic_lammps_register(lammps);
  lammps->input->file();
  delete lammps;
#endif
  MPI_Barrier(comm);
  MPI_Finalize();
  return 0;
}
