package io.github.clconv.cli;

import io.github.clconv.opencl.ClDevices;
import io.github.clconv.opencl.DeviceInfo;
import picocli.CommandLine.Command;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;

@Command(name = "devices", mixinStandardHelpOptions = true,
        description = "List OpenCL platforms and devices; `*` marks the one --device auto picks.")
final class DevicesCommand implements Callable<Integer> {
    @Override
    public Integer call() {
        List<DeviceInfo> all = ClDevices.list();
        if (all.isEmpty()) {
            ClDevices.choose(all, "auto"); // throws the explanation of an empty list
        }
        DeviceInfo auto = ClDevices.choose(all, "auto");
        List<Object> listed = new ArrayList<>();
        for (DeviceInfo d : all) {
            System.err.printf(java.util.Locale.ROOT, "%s %d  %-4s %-45s %s, driver %s, %d compute units, %d MiB%n", d == auto ? "*" : " ", d.index(), d.kind(),
                    d.name().strip(), d.platformName().strip(), d.driverVersion().strip(), d.computeUnits(), d.globalMemBytes() >> 20);
            listed.add(new Json().put("index", d.index()).put("name", d.name().strip()).put("type", d.kind())
                    .put("platform", d.platformName().strip()).put("auto", d == auto));
        }
        System.err.println("  -   ref  reference (pure Java, float64)");
        System.out.println(new Json().put("devices", listed));
        return 0;
    }
}
