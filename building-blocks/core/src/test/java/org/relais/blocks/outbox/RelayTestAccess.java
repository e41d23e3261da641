package org.relais.blocks.outbox;

/** Reaches the relay's fault-injection hook from tests in other packages. */
public final class RelayTestAccess {

    private RelayTestAccess() {}

    public static void setAfterSendHook(OutboxRelay relay, Runnable hook) {
        relay.afterSend(hook);
    }
}
