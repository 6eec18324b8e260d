import ArgumentParser
import Models

/// `--model vgg16|vgg19`: the parser takes the raw values and lists them in the help.
extension VGG.Architecture: ExpressibleByArgument {}
