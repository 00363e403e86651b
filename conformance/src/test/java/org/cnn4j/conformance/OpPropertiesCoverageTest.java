package org.cnn4j.conformance;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.lang.reflect.Method;
import java.util.Set;
import java.util.TreeSet;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import org.junit.jupiter.api.Test;

/** Every family's generator is drawn by a property of {@link OpProperties}, named after the family. */
class OpPropertiesCoverageTest {
    @Test
    void everyGeneratorHasAProperty() {
        Set<String> properties = new TreeSet<>();
        Set<String> providers = new TreeSet<>();
        for (Method m : OpProperties.class.getDeclaredMethods()) {
            if (m.isAnnotationPresent(Property.class)) {
                properties.add(m.getName());
            }
            if (m.isAnnotationPresent(Provide.class)) {
                providers.add(m.getName());
            }
        }
        Set<String> wanted = new TreeSet<>();
        Set<String> wantedProviders = new TreeSet<>();
        for (String family : OpDatabase.generators().keySet()) {
            String name = Character.toLowerCase(family.charAt(0)) + family.substring(1);
            wanted.add(name);
            wantedProviders.add(name + "Draws");
        }
        assertEquals(wanted, properties, "properties of OpProperties, one per family");
        assertEquals(wantedProviders, providers, "their draws");
    }

    /** Choices that shrank to nothing draw each family's smallest valid parameters. */
    @Test
    void choicesOfZeroDrawTheLowerBounds() {
        for (OpDatabase.Generator g : OpDatabase.generators().values()) {
            OpDatabase.FamilySample s = g.draw(OpDatabase.Draw.fromChoices(OpProperties.SWEEP, java.util.List.of()));
            assertEquals(false, s.calls().isEmpty(), g.family());
        }
        OpDatabase.Draw d = OpDatabase.Draw.fromChoices(Sweep.CI, java.util.List.of());
        assertEquals(3, d.between(3, 9));
        assertEquals(false, d.chance(0.99));
        assertEquals(0.5, d.pick(0.5, 2));
        assertEquals("[1, 1]", d.shape(2, 2).toString());
    }
}
