package io.github.clconv.verify;

import io.github.clconv.backend.Activation;

import java.util.ArrayList;
import java.util.List;

/** Every op family with its agreement check; `clconv verify` and the tests both run these. */
public final class OpCatalog {
    private OpCatalog() {
    }

    public static List<OpFamily> all() {
        List<OpFamily> all = new ArrayList<>(List.of(
                new OpFamily("im2col", LinearAlgebraCases::im2col),
                new OpFamily("col2im", LinearAlgebraCases::col2im),
                new OpFamily("gemm", LinearAlgebraCases::gemm),
                new OpFamily("conv2d", LinearAlgebraCases::conv),
                new OpFamily("linear", LinearAlgebraCases::linear),
                new OpFamily("maxpool2d", PoolCases::max),
                new OpFamily("avgpool2d", PoolCases::avg),
                new OpFamily("globalavgpool", PoolCases::globalAvg),
                new OpFamily("adaptiveavgpool", PoolCases::adaptiveAvg)));
        for (Activation a : Activation.values()) { // every activation by its spec token: a new one is verified without a line here
            all.add(new OpFamily(a.token, ElementwiseCases.activation(a)));
        }
        all.addAll(List.of(
                new OpFamily("prelu", ElementwiseCases::prelu),
                new OpFamily("softmax", ElementwiseCases.softmax(false)),
                new OpFamily("logsoftmax", ElementwiseCases.softmax(true)),
                new OpFamily("softmax_xent", ElementwiseCases::xent),
                new OpFamily("mse", ElementwiseCases::mse),
                new OpFamily("add", ElementwiseCases::add),
                new OpFamily("copy_channels", ElementwiseCases::copyChannels),
                new OpFamily("dropout", ElementwiseCases::dropout),
                new OpFamily("augment", ElementwiseCases::augment),
                new OpFamily("batchnorm2d", NormOptimCases.batchNorm(true)),
                new OpFamily("batchnorm1d", NormOptimCases.batchNorm(false)),
                new OpFamily("batchnorm_relu", NormOptimCases::batchNormRelu),
                new OpFamily("groupnorm", NormOptimCases::groupNorm),
                new OpFamily("l1_gradient", NormOptimCases::l1),
                new OpFamily("sgd", NormOptimCases.sgd(false, false)),
                new OpFamily("sgd_momentum", NormOptimCases.sgd(true, false)),
                new OpFamily("sgd_nesterov", NormOptimCases.sgd(true, true)),
                new OpFamily("adagrad", NormOptimCases::adagrad),
                new OpFamily("adam", NormOptimCases::adam)));
        return List.copyOf(all);
    }
}
