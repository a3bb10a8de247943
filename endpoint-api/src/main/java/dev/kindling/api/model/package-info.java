/** The REST API's JSON shapes: request bodies (every field nullable, so validation can name what is missing) and views. */
package dev.kindling.api.model;
