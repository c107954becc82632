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
#include <mpi.h>

extern "C" int mosaic_lammps_register(void *handle);

using namespace LAMMPS_NS;

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
