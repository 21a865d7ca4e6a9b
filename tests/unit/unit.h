/* Common includes for the cmocka unit tests of the shared core. */
#ifndef DMR_UNIT_H
#define DMR_UNIT_H

#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#endif
