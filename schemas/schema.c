#include "schemas/schema.h"
int cn_schema_placeholder_(void);
int cn_schema_placeholder_(void)
{
    return 0;
}
