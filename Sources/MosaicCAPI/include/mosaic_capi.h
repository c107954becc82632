/* Mosaic C ABI: evaluate Mosaic potentials from C or C++ (the LAMMPS pair style uses it).
 *
 * This header is the single source of truth for the ABI of libMosaicCAPI.so.
 * Conventions: metal units (eV, Angstrom); arrays of 3-vectors are contiguous x,y,z per atom;
 * virials are in LAMMPS order xx, yy, zz, xy, xz, yz (eV). Results are ADDED to the output arrays.
 * No call aborts the process: failures return a non-zero status (or NULL) and a message in
 * the caller's error buffer.
 */
#ifndef MOSAIC_CAPI_H
#define MOSAIC_CAPI_H

#ifdef __cplusplus
extern "C" {
#endif

/** The ABI version this header describes; compare with mosaic_abi_version() at run time. */
#define MOSAIC_ABI_VERSION 3

/** Status codes. */
#define MOSAIC_OK 0
#define MOSAIC_ERROR_FILE 1      /* missing, damaged or newer potential file */
#define MOSAIC_ERROR_INPUT 2     /* inconsistent arguments (types, indices, NULL pointers) */
#define MOSAIC_ERROR_ELEMENT 3   /* element not in the potential */

typedef struct mosaic_potential mosaic_potential;

/** ABI version of the loaded library. */
int mosaic_abi_version(void);

/** Library version string, e.g. "0.1.0" (static storage). */
const char *mosaic_version(void);

/** Reads a potential from the bytes of a potential file (`name` labels error messages).
 *  Returns NULL on failure with a message in `error` (at most error_size bytes, NUL-terminated). */
mosaic_potential *mosaic_potential_create(const char *bytes, long size, const char *name,
                                          char *error, int error_size);

/** Reads a potential from the bytes of a potential file into *potential (`name` labels error
 *  messages). Returns MOSAIC_OK, or MOSAIC_ERROR_FILE (missing, damaged or newer file) or
 *  MOSAIC_ERROR_INPUT (NULL arguments) with *potential = NULL and a message in `error`. */
int mosaic_potential_open(const char *bytes, long size, const char *name, mosaic_potential **potential,
                          char *error, int error_size);

/** Releases a potential (NULL is ignored). */
void mosaic_potential_destroy(mosaic_potential *potential);

/** Largest cutoff of the potential (Angstrom). */
double mosaic_potential_cutoff(const mosaic_potential *potential);

/** Number of elements, and the symbol of element `index` (static storage owned by the potential). */
int mosaic_potential_element_count(const mosaic_potential *potential);
const char *mosaic_potential_element_symbol(const mosaic_potential *potential, int index);

/** Mass of element `index` (amu), 0 if out of range. */
double mosaic_potential_element_mass(const mosaic_potential *potential, int index);

/** Index of an element symbol in the potential, or -1 if absent. */
int mosaic_potential_element_index(const mosaic_potential *potential, const char *symbol);

/** Looks up an element symbol: *index is its element index. Returns MOSAIC_OK, or
 *  MOSAIC_ERROR_ELEMENT with a message naming the potential's elements, or MOSAIC_ERROR_INPUT. */
int mosaic_potential_find_element(const mosaic_potential *potential, const char *symbol, int *index,
                                  char *error, int error_size);

/** Cutoff between a centre of element i and a neighbour of element j (Angstrom); 0 if out of range.
 *  A pair style's init_one(i, j) returns the larger of (i, j) and (j, i). */
double mosaic_potential_pair_cutoff(const mosaic_potential *potential, int i, int j);

/** Energies, forces and virials from a full neighbour list in LAMMPS's layout.
 *  species_of_type[t] for t = 1..ntypes is the element index of LAMMPS type t, or -1 for
 *  types this potential does not handle (hybrid styles). Atoms 0..natoms-1 are local + ghost;
 *  forces on ghosts are left for reverse communication (newton pair on).
 *  energy, atom_energy, virial, atom_virial may be NULL when not requested; tag (LAMMPS atom IDs,
 *  for messages such as overlapping atoms) may be NULL.
 *  Returns MOSAIC_OK or an error code with a message in `error`. */
int mosaic_compute(mosaic_potential *potential, int inum, const int *ilist, const int *numneigh,
                   int *const *firstneigh, int neighbour_mask, int natoms, const double *x,
                   const int *type, const int *species_of_type, int ntypes, double *f,
                   double *energy, double *atom_energy, double *virial, double *atom_virial,
                   const int *tag, char *error, int error_size);

/** Uncertainty (ABI 3). Number of fitted coordinates the potential's uncertainty section covers (the
 *  length of the energy gradient below), or 0 if the file has none (format 1, hand-written). */
int mosaic_potential_uncertainty_size(const mosaic_potential *potential);

/** Per-atom extrapolation grade and energy sigma of the local atoms of a full neighbour list (same
 *  arguments as mosaic_compute): for i = ilist[ii], grade[i] and sigma[i] (eV) are WRITTEN (0 for
 *  types not handled, +inf grade for an element without training atoms); energy_gradient[0..size-1]
 *  gets sum_i dE_i/dtheta ADDED (for the sigma of the total energy, after summing over ranks), and
 *  virial_trace_gradient[0..size-1] gets d(Wxx + Wyy + Wzz)/dtheta of those atoms' pairs ADDED (eV; the
 *  virial pressure is tr W / 3V, so sigma_P = mosaic_potential_sigma of it / 3V).
 *  grade, sigma, energy_gradient, virial_trace_gradient may be NULL. Returns MOSAIC_OK, MOSAIC_ERROR_FILE (no uncertainty
 *  section) or MOSAIC_ERROR_INPUT, with a message in `error`. */
int mosaic_compute_uncertainty(mosaic_potential *potential, int inum, const int *ilist, const int *numneigh,
                               int *const *firstneigh, int neighbour_mask, int natoms, const double *x,
                               const int *type, const int *species_of_type, int ntypes, const int *tag,
                               double *grade, double *sigma, double *energy_gradient,
                               double *virial_trace_gradient, char *error, int error_size);

/** sigma (eV for an energy) of a prediction whose gradient over the fitted coordinates is `gradient`
 *  (mosaic_potential_uncertainty_size entries): sqrt(g^T C g), C the fit's parameter covariance.
 *  NaN without an uncertainty section. */
double mosaic_potential_sigma(const mosaic_potential *potential, const double *gradient);

/** One structure without LAMMPS (ASE, Python, other codes): the neighbour list is built inside.
 *  cell: the lattice vectors a, b, c as rows (9 doubles, Angstrom); pbc: 3 flags (0/1); positions:
 *  natoms x 3 (Angstrom); species: natoms element indices (mosaic_potential_element_index).
 *  Outputs are WRITTEN (not added); any may be NULL: energy (eV), forces natoms x 3 (eV/Angstrom),
 *  virial 6 (eV, Voigt order xx yy zz yz xz xy; stress = -virial / volume), atom_energy natoms (eV),
 *  grade and sigma natoms (extrapolation grade, eV), sigma_energy (eV; needs an uncertainty section).
 *  Returns MOSAIC_OK, MOSAIC_ERROR_ELEMENT (species index out of range), MOSAIC_ERROR_FILE (grades
 *  asked of a potential without uncertainty section) or MOSAIC_ERROR_INPUT (overlapping atoms, a
 *  singular periodic cell, NULL arrays), with a message in `error`. */
int mosaic_compute_structure(mosaic_potential *potential, int natoms, const double *cell, const int *pbc,
                             const double *positions, const int *species, double *energy, double *forces,
                             double *virial, double *atom_energy, double *grade, double *sigma,
                             double *sigma_energy, char *error, int error_size);

#ifdef __cplusplus
}
#endif

#endif
