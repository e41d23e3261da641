package org.relais.notification.webhook;

import jakarta.enterprise.context.ApplicationScoped;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.List;

/** The system resolver. Blocking: only {@link TargetResolver}'s own threads call it. */
@ApplicationScoped
public class HostLookup {

    /** Every address of the host; an unknown name throws {@link UnknownHostException}. */
    public List<InetAddress> lookup(String host) throws UnknownHostException {
        return List.of(InetAddress.getAllByName(host));
    }
}
