/** Settings and the wiring of the database, stores and fleet. */
package dev.kindling.api.config;
