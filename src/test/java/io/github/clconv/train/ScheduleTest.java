package io.github.clconv.train;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The schedules' landmarks, as torch.optim.lr_scheduler defines them. */
class ScheduleTest {
    @Test
    void landmarks() {
        Schedule cos = Schedule.parse("cosine", 0);
        assertEquals(1, cos.factor(0, 100, 10), 1e-12);
        assertEquals(0.5, cos.factor(50, 100, 10), 1e-12);
        assertEquals(0, cos.factor(100, 100, 10), 1e-12);
        assertTrue(cos.factor(30, 100, 10) > cos.factor(31, 100, 10), "falls");

        Schedule step = Schedule.parse("step:2:0.1", 0);
        assertEquals(1, step.factor(19, 100, 10), 1e-12, "epochs 0 and 1");
        assertEquals(0.1, step.factor(20, 100, 10), 1e-12, "from epoch 2");
        assertEquals(0.01, step.factor(45, 100, 10), 1e-12, "from epoch 4");

        Schedule one = Schedule.parse("onecycle", 0);
        long total = 1000;
        double up = 0.3 * total - 1;
        assertEquals(1 / 25.0, one.factor(0, total, 10), 1e-12, "starts at max / div_factor");
        assertEquals(1, one.factor((long) up, total, 10), 1e-3, "peaks at 30%");
        assertEquals(1 / 25.0 / 1e4, one.factor(total - 1, total, 10), 1e-9, "ends at initial / final_div_factor");

        Schedule warm = Schedule.parse("constant", 4);
        assertEquals(0.25, warm.factor(0, 100, 10), 1e-12);
        assertEquals(1, warm.factor(3, 100, 10), 1e-12);
        assertEquals(1, warm.factor(50, 100, 10), 1e-12);
        assertEquals(0.5 * (1 + Math.cos(Math.PI * 4 / 100)) * 5 / 10, Schedule.parse("cosine", 10).factor(4, 100, 10), 1e-12,
                "warm-up times the schedule");
    }

    @Test
    void badSpecsSayWhatIsExpected() {
        for (String s : new String[]{"linear", "step:0:0.1", "step:3", "step:3:2", "step:a:b"}) {
            IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> Schedule.parse(s, 0));
            assertTrue(e.getMessage().contains("schedule"), e.getMessage());
        }
        assertThrows(IllegalArgumentException.class, () -> Schedule.parse("cosine", -1));
    }
}
