package org.relais.referral.directory;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.quarkus.hibernate.reactive.panache.PanacheEntityBase;
import jakarta.persistence.Column;
import jakarta.persistence.Entity;
import jakarta.persistence.EnumType;
import jakarta.persistence.Enumerated;
import jakarta.persistence.Id;
import jakarta.persistence.Table;
import jakarta.persistence.Version;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.time.Duration;
import java.time.Instant;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;
import org.relais.referral.Priority;

/** A directory entry. Holds no survivor data; every change is published in full on {@code relais.agencies}. */
@Entity
@Table(name = "agencies")
public class Agency extends PanacheEntityBase {

    private static final ObjectMapper JSON = new ObjectMapper();
    static final Map<Priority, String> DEFAULT_ACKNOWLEDGE_WITHIN =
            Map.of(Priority.EMERGENCY, "PT1H", Priority.URGENT, "PT4H", Priority.ROUTINE, "P2D");

    @Id
    public String id;

    public String name;

    @Enumerated(EnumType.STRING)
    public AgencyType type;

    public String region;

    @Column(name = "time_zone")
    public String timeZone;
    /** ",A,B," so a service filter is a LIKE. */
    public String services;

    public String languages;

    @Column(name = "acknowledge_within")
    public String acknowledgeWithin;

    @Enumerated(EnumType.STRING)
    public Capacity capacity;

    @Column(name = "capacity_note")
    public String capacityNote;

    @Column(name = "capacity_updated_at")
    public Instant capacityUpdatedAt;

    @Column(name = "duty_email")
    public String dutyEmail;

    @Column(name = "notification_language")
    public String notificationLanguage;

    public String permissions;

    @Column(name = "webhook_allowed_hosts")
    public String webhookAllowedHosts;

    public boolean active;

    @Column(name = "created_at")
    public Instant createdAt;

    @Column(name = "updated_at")
    public Instant updatedAt;

    @Version
    public long version;

    /** Applies a directory write (create or full update). */
    void apply(AgencyInput in, Instant now) {
        name = in.name().trim();
        type = in.type();
        region = in.region().trim();
        timeZone = in.timeZone();
        services = "," + in.services().stream().distinct().map(Enum::name).collect(Collectors.joining(",")) + ",";
        languages = write(in.languages() == null ? List.of() : in.languages());
        Map<Priority, String> within = new EnumMap<>(DEFAULT_ACKNOWLEDGE_WITHIN);
        if (in.acknowledgeWithin() != null) {
            within.putAll(in.acknowledgeWithin());
        }
        acknowledgeWithin = write(within);
        Capacity newCapacity =
                in.capacity() == null ? (capacity == null ? Capacity.AVAILABLE : capacity) : in.capacity();
        if (newCapacity != capacity) {
            capacity = newCapacity;
            capacityUpdatedAt = now;
        }
        dutyEmail = in.dutyEmail();
        notificationLanguage = in.notificationLanguage() == null ? "fr" : in.notificationLanguage();
        permissions = in.permissions() == null
                ? null
                : write(in.permissions().stream().distinct().toList());
        webhookAllowedHosts = write(in.webhookAllowedHosts() == null ? List.of() : in.webhookAllowedHosts());
        active = in.active() == null || in.active();
        updatedAt = now;
    }

    void updateCapacity(Capacity value, String note, Instant now) {
        capacity = value;
        capacityNote = note;
        capacityUpdatedAt = now;
        updatedAt = now;
    }

    /** The acknowledgement deadline for a referral of this priority sent now. */
    public Duration acknowledgeWithin(Priority priority) {
        return Duration.parse(acknowledgeWithinMap().get(priority));
    }

    public Map<Priority, String> acknowledgeWithinMap() {
        Map<Priority, String> m = new EnumMap<>(Priority.class);
        m.putAll(read(acknowledgeWithin, new TypeReference<Map<Priority, String>>() {}));
        return m;
    }

    public List<ServiceType> serviceList() {
        return java.util.Arrays.stream(services.split(","))
                .filter(s -> !s.isBlank())
                .map(ServiceType::valueOf)
                .toList();
    }

    public AgencyView view() {
        return new AgencyView(
                id,
                name,
                type,
                region,
                timeZone,
                serviceList(),
                read(languages, new TypeReference<List<String>>() {}),
                acknowledgeWithinMap(),
                capacity,
                capacityNote,
                capacityUpdatedAt,
                dutyEmail,
                notificationLanguage,
                permissions == null ? null : read(permissions, new TypeReference<List<String>>() {}),
                read(webhookAllowedHosts, new TypeReference<List<String>>() {}),
                active,
                createdAt,
                updatedAt,
                version);
    }

    private static String write(Object value) {
        try {
            return JSON.writeValueAsString(value);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    private static <T> T read(String json, TypeReference<T> type) {
        try {
            return JSON.readValue(json, type);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
