package org.relais.referral.directory;

import io.quarkus.hibernate.reactive.panache.PanacheRepositoryBase;
import io.smallrye.mutiny.Uni;
import jakarta.enterprise.context.ApplicationScoped;
import org.relais.blocks.paging.PageRequest;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

@ApplicationScoped
public class AgencyRepository implements PanacheRepositoryBase<Agency, String> {

    /** One page of the directory in (updatedAt, id) order, plus one row to tell whether more follow. */
    public Uni<List<Agency>> page(AgencyType type, ServiceType service, String region, PageRequest page) {
        List<String> where = new ArrayList<>();
        Map<String, Object> params = new HashMap<>();
        if (type != null) {
            where.add("type = :type");
            params.put("type", type);
        }
        if (service != null) {
            where.add("services like :service");
            params.put("service", "%," + service.name() + ",%");
        }
        if (region != null) {
            where.add("lower(region) = lower(:region)");
            params.put("region", region);
        }
        if (page.updatedSince() != null) {
            where.add("updatedAt >= :since");
            params.put("since", page.updatedSince());
        }
        if (page.cursor() != null) {
            where.add("(updatedAt, id) > (:after, :afterId)");
            params.put("after", page.cursor().after());
            params.put("afterId", page.cursor().afterId().toString());
        }
        String query = (where.isEmpty() ? "" : String.join(" and ", where)) + " order by updatedAt, id";
        return find(query, params).range(0, page.limit()).list();
    }
}
