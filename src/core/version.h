/* summary: the apiary version string. */
#ifndef APIARY_CORE_VERSION_H
#define APIARY_CORE_VERSION_H

#define APIARY_VERSION "0.1.0"

#endif
