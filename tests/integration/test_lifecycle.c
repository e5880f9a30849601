/* stop, restart, status, list, remove, clean against the real engine (written next). */
#include <criterion/criterion.h>
