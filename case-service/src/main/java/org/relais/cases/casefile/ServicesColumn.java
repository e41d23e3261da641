package org.relais.cases.casefile;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.persistence.AttributeConverter;
import jakarta.persistence.Converter;
import java.util.List;

/** A case's services as its {@code services} column keeps them: a JSON array of their codes. */
@Converter
public class ServicesColumn implements AttributeConverter<List<String>, String> {

    private static final ObjectMapper JSON = new ObjectMapper();

    @Override
    public String convertToDatabaseColumn(List<String> services) {
        try {
            return JSON.writeValueAsString(services);
        } catch (JsonProcessingException e) {
            throw new IllegalArgumentException("services cannot be written", e);
        }
    }

    @Override
    public List<String> convertToEntityAttribute(String column) {
        try {
            return column == null ? null : JSON.readValue(column, new TypeReference<List<String>>() {});
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("the services column is not a JSON array", e);
        }
    }
}
