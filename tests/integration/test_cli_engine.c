/* The v6node tool against the real engine (written next). */
#include <criterion/criterion.h>
