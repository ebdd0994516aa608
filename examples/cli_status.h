/* cli_status: `classsens status DIR [--all]`, how far a results store has come — cells done,
 * being trained (their claims: who, where, since when) and missing. Uses only the public API. */
#ifndef CLASSSENS_CLI_STATUS_H
#define CLASSSENS_CLI_STATUS_H

/* argc/argv: the arguments after the word "status". Returns the exit code: 0, CLI_EXIT_LIBRARY
 * (the store cannot be read) or CLI_EXIT_USAGE. */
int cli_cmd_status(int argc, char **argv);

#endif /* CLASSSENS_CLI_STATUS_H */
