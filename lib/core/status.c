/* Status names and the thread-local last error. */
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

#include "core/error.h"
#include "core/numfmt.h"

#define CS__ERROR_CAPACITY 1024

static _Thread_local char last_message[CS__ERROR_CAPACITY];
static _Thread_local int last_status;

const char *cs_status_str(int status)
{
    switch (status) {
    case CS_OK: return "CS_OK";
    case CS_ERR_INVALID_ARGUMENT: return "CS_ERR_INVALID_ARGUMENT";
    case CS_ERR_OUT_OF_MEMORY: return "CS_ERR_OUT_OF_MEMORY";
    case CS_ERR_IO: return "CS_ERR_IO";
    case CS_ERR_NOT_FOUND: return "CS_ERR_NOT_FOUND";
    case CS_ERR_FORMAT: return "CS_ERR_FORMAT";
    case CS_ERR_TRUNCATED: return "CS_ERR_TRUNCATED";
    case CS_ERR_CORRUPT: return "CS_ERR_CORRUPT";
    case CS_ERR_SIZE_MISMATCH: return "CS_ERR_SIZE_MISMATCH";
    case CS_ERR_OUT_OF_RANGE: return "CS_ERR_OUT_OF_RANGE";
    case CS_ERR_OVERFLOW: return "CS_ERR_OVERFLOW";
    case CS_ERR_UNSUPPORTED: return "CS_ERR_UNSUPPORTED";
    case CS_ERR_DIVERGED: return "CS_ERR_DIVERGED";
    case CS_ERR_CANCELLED: return "CS_ERR_CANCELLED";
    case CS_ERR_STATE: return "CS_ERR_STATE";
    default: return "CS_ERR_UNKNOWN";
    }
}

const char *cs_last_error(void)
{
    return last_message[0] ? last_message : "no error";
}

int cs_last_error_status(void)
{
    return last_status;
}

void cs_error_clear(void)
{
    last_message[0] = '\0';
    last_status = CS_OK;
}

int cs__error(int status, const char *fmt, ...)
{
    /* Format into a scratch buffer first: an argument may be cs_last_error() itself, when a
     * caller adds context to a message from a lower layer. */
    static _Thread_local char scratch[sizeof last_message];
    va_list ap;
    va_start(ap, fmt);
    int len = cs__num_vsnprintf(scratch, sizeof scratch, fmt, ap);
    va_end(ap);
    if (len < 0)
        snprintf(scratch, sizeof scratch, "%s", cs_status_str(status));
    else if ((size_t)len >= sizeof scratch)
        snprintf(scratch + sizeof scratch - 4, 4, "...");
    memcpy(last_message, scratch, sizeof last_message);
    last_status = status;
    return status;
}

int cs__error_oom(const char *what, size_t bytes)
{
    return cs__error(CS_ERR_OUT_OF_MEMORY, "out of memory allocating %zu bytes for %s", bytes, what);
}

int cs__elem_size_check(const char *fn, const char *type, size_t elem_size, size_t min_size, size_t lib_size)
{
    if (elem_size < min_size)
        return cs__error(CS_ERR_INVALID_ARGUMENT, "%s: elem_size %zu is smaller than the first member of %s (%zu "
                         "bytes); pass sizeof(%s)", fn, elem_size, type, min_size, type);
    if (elem_size > lib_size)
        return cs__error(CS_ERR_UNSUPPORTED, "%s: elem_size %zu is larger than this library's %s (%zu bytes, "
                         "libclasssens %s): the caller was built against a newer version", fn, elem_size, type,
                         lib_size, cs_version_string());
    return CS_OK;
}
