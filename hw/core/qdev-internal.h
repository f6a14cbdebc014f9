/* Shared between the hw/core device model files; not for devices. */
#ifndef HW_CORE_QDEV_INTERNAL_H
#define HW_CORE_QDEV_INTERNAL_H

#include "hw/qdev.h"

/* bus.c: attach dev to bus (checks the type and free room). */
bool qbus_attach(BusState *bus, DeviceState *dev, GError **errp);
void qbus_detach(DeviceState *dev);
/* Free a bus of a device being deleted; devices still on it are left bus-less. */
void qbus_free(BusState *bus);

/* qdev-properties.c */
void qdev_prop_set_defaults(DeviceState *dev);
void qdev_prop_release_all(DeviceState *dev);

#endif
