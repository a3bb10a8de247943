package dev.kindling.db.model;

/** An instance's lifecycle: launched (Pending), registered and heartbeating (InService), on its way out, gone. */
public enum InstanceStatus {
    Pending, InService, Terminating, Terminated;

    public boolean live() {
        return this == Pending || this == InService;
    }
}
