package dev.kindling.agent.protocol;

/** What an agent reports of a copy it runs. */
public enum CopyState { Starting, InService, Failed }
