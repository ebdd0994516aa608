/* cli_models: `classsens models [--input CxHxW] [--classes K]`, the architectures the library
 * builds, read from its registry (cs_model_arch_count, cs_model_arch_describe). */
#ifndef CLI_MODELS_H
#define CLI_MODELS_H

int cli_cmd_models(int argc, char **argv);

#endif
