package dev.kindling.db.model;

/** An inference component's lifecycle, named as SageMaker names it. */
public enum ComponentStatus { Creating, InService, Updating, Deleting, Failed }
