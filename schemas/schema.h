/* placeholder until the validator lands */
#ifndef CN_SCHEMA_H
#define CN_SCHEMA_H
#endif
