#include <stdlib.h>
#include <string.h>

#include "core/error.h"
#include "core/memory.h"

void *cs__aligned_alloc(size_t bytes)
{
    if (bytes == 0 || bytes > SIZE_MAX - CS__ALIGNMENT)
        return NULL;
    size_t rounded = (bytes + CS__ALIGNMENT - 1) / CS__ALIGNMENT * CS__ALIGNMENT;
    return aligned_alloc(CS__ALIGNMENT, rounded);
}

void cs__aligned_free(void *p)
{
    free(p);
}

int cs__options_copy(void *dst, size_t dst_size, const void *src, size_t min_size, const char *what)
{
    size_t given;
    memcpy(&given, src, sizeof given);
    if (given < min_size)
        return cs__error(CS_ERR_INVALID_ARGUMENT,
                         "%s: struct_size is %zu, expected at least %zu (initialise it with its _INIT macro)",
                         what, given, min_size);
    if (given > dst_size)
        return cs__error(CS_ERR_UNSUPPORTED,
                         "%s: struct_size is %zu but this library (version %s) knows only %zu bytes; "
                         "the program was built against newer headers",
                         what, given, CS_VERSION_STRING, dst_size);
    memcpy(dst, src, given);
    return CS_OK;
}
