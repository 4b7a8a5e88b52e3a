#ifndef POSTBOX_CQPDF_SHIM_H
#define POSTBOX_CQPDF_SHIM_H
#include <qpdf/qpdf-c.h>
#endif
