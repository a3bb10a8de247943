/** The EC2 fleet: instances launched from a launch template, and endpoint cache volumes kept as EBS snapshots. */
package dev.kindling.api.fleet.ec2;
