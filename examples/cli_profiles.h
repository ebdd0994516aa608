/* cli_profiles: the classsens tool's study profiles (quick, standard, article), shared with the
 * benchmarks that build the same studies (bench/bench_schedule.c). */
#ifndef CLASSSENS_CLI_PROFILES_H
#define CLASSSENS_CLI_PROFILES_H

#include <stddef.h>

/* A profile: starting values of `classsens study`; lists use the command-line syntax, so a
 * profile is exactly what the same options would give. Subsets of 0 mean the whole split; a
 * profile's subset larger than the split also means the whole split. */
typedef struct cli_profile {
    const char *name;
    const char *data;
    size_t train_subset, test_subset;
    int seeds;
    int batch;
    const char *models;  /* --models */
    const char *noise;   /* --noise */
    const char *reduce;  /* --reduce */
    const char *augment; /* --augment */
    const char *out;     /* --out */
    const char *about;
    int grid;            /* --grid over the profile's own conditions (not when --noise or --reduce
                            is given, nor with --no-grid) */
} cli_profile;

extern const cli_profile CLI_PROFILES[];
extern const size_t CLI_NUM_PROFILES;

/* The profile of that name, or NULL. */
const cli_profile *cli_profile_find(const char *name);

#endif
