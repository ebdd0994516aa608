/* Internal: building architectures by name (the registry, registry.c; the architectures
 * themselves are spec tables, spec.h). */
#ifndef CS_MODELS_MODELS_H
#define CS_MODELS_MODELS_H

#include "models/net.h"

/* Channels (or hidden features) times the width multiplier: max(1, round(channels * width)). */
int cs__model_scale(int channels, double width);

/* Build architecture `arch` (a name of the registry: cs__arch_find) for
 * input (c, h, w) and k classes at width multiplier `width` (> 0), finish it (allocating its
 * blocks) but do not initialise the parameters. CS_ERR_NOT_FOUND for an unknown name (the
 * message lists the known ones), CS_ERR_INVALID_ARGUMENT for bad sizes or a width <= 0,
 * CS_ERR_UNSUPPORTED for an input too small for the architecture (the message says which
 * layer runs out of pixels). On failure the net is freed. */
int cs__model_build(cs__net *net, const char *arch, int c, int h, int w, int k, double width);

/* As cs__model_build, but only lays the network out (no parameter blocks are allocated). */
int cs__model_layout(cs__net *net, const char *arch, int c, int h, int w, int k, double width);

/* The registry: how many architectures, the i-th (NULL out of range), one by name (NULL if
 * unknown). */
struct cs__arch_spec;
int cs__arch_count(void);
const struct cs__arch_spec *cs__arch_at(int i);
const struct cs__arch_spec *cs__arch_find(const char *name);

#endif
