package dev.kindling.db.model;

/** An endpoint's lifecycle, named as SageMaker names it. */
public enum EndpointStatus { Creating, InService, Updating, Deleting, Failed }
