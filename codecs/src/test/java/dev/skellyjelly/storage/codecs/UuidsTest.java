package dev.skellyjelly.storage.codecs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.Locale;
import java.util.Random;
import java.util.UUID;
import org.junit.jupiter.api.Test;

/** Canonical UUID text: what is admitted, its lower-case form, and its bits as the JDK reads them. */
class UuidsTest {

  private static final String LOWER = "8a6f0c1e-1111-4a2b-8c3d-0123456789ab";

  @Test
  void admitsHexDigitsOfEitherCaseInTheCanonicalLayoutOnly() {
    assertTrue(Uuids.isCanonical(LOWER));
    assertTrue(Uuids.isCanonical(LOWER.toUpperCase(Locale.ROOT)));
    assertTrue(Uuids.isCanonical("00000000-0000-0000-0000-000000000000"));
    assertTrue(Uuids.isCanonical("ffffffff-FFFF-ffff-FFFF-ffffffffffff"));
    assertFalse(Uuids.isCanonical(null));
    assertFalse(Uuids.isCanonical(""));
    assertFalse(Uuids.isCanonical(LOWER.substring(1)));
    assertFalse(Uuids.isCanonical(LOWER + "0"));
    assertFalse(Uuids.isCanonical("8a6f0c1e1111-4a2b-8c3d-0123456789ab-"), "dashes elsewhere");
    // Every character that is not a hex digit, at a digit's place: letters past f, Unicode digits and letters that
    // Character.digit reads as hex (full-width, Arabic-Indic), the dash, and characters past ASCII.
    for (char c : new char[] {'g', 'G', 'z', '-', ' ', '/', ':', '@', '`', '\u0000', '\u007f', '\u00e9', '\uff21',
      '\uff41', '\uff10', '\u0663', '\u0966', '\ud83d'}) {
      String bad = c + LOWER.substring(1);
      assertFalse(Uuids.isCanonical(bad), "refuses U+" + Integer.toHexString(c));
    }
  }

  @Test
  void normalizeLowersUpperCaseTextAndKeepsLowerCaseTextItself() {
    assertSame(LOWER, Uuids.normalize(LOWER));
    assertEquals(LOWER, Uuids.normalize(LOWER.toUpperCase(Locale.ROOT)));
    assertEquals(LOWER, Uuids.normalize("8A6F0C1E-1111-4a2b-8c3d-0123456789AB"));
  }

  @Test
  void bitsAreTheJdksOfTheSameTextInEitherCase() {
    Random random = new Random(7);
    for (int i = 0; i < 2000; i++) {
      UUID u = new UUID(random.nextLong(), random.nextLong());
      for (String text : new String[] {u.toString(), u.toString().toUpperCase(Locale.ROOT)}) {
        assertTrue(Uuids.isCanonical(text), text);
        assertEquals(u.getMostSignificantBits(), Uuids.mostSignificant(text), text);
        assertEquals(u.getLeastSignificantBits(), Uuids.leastSignificant(text), text);
        assertEquals(u.toString(), Uuids.fromBits(Uuids.mostSignificant(text), Uuids.leastSignificant(text)));
      }
    }
  }
}
