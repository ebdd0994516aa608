/* cli_info: `classsens info DATA`, both splits of a data set described (size, shape, classes
 * and their counts, per-channel mean and standard deviation). */
#ifndef CLI_INFO_H
#define CLI_INFO_H

int cli_cmd_info(int argc, char **argv);

#endif
