package dev.kindling.db.model;

/**
 * A model copy's lifecycle: placed on an instance (Pending), started by its agent (Starting), passing health
 * checks (InService), failed to start or crashed (Failed), asked to stop (Stopping).
 */
public enum CopyStatus { Pending, Starting, InService, Failed, Stopping }
