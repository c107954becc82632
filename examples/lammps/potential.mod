# The potential and what in.elastic reads from it, set up again after every `clear`.
pair_style mosaic
pair_coeff * * ${potential} Nb
compute p all pressure NULL virial
thermo_style custom step pe c_p[1] c_p[2] c_p[3] c_p[4] c_p[5] c_p[6]
thermo_modify format float %.12g
