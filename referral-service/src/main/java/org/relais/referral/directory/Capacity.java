package org.relais.referral.directory;

public enum Capacity {
    AVAILABLE,
    LIMITED,
    FULL
}
