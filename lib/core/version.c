#include <classsens/common.h>

const char *cs_version_string(void)
{
    return CS_VERSION_STRING;
}

int cs_version_number(void)
{
    return CS_VERSION_NUMBER;
}
