#ifndef POSTBOX_CSODIUM_SHIM_H
#define POSTBOX_CSODIUM_SHIM_H
#include <sodium.h>
#endif
