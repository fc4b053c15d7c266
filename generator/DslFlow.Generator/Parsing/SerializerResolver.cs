using System.Collections.Generic;
using System.Linq;
using System.Threading;
using DslFlow.Generator.Model;
using Microsoft.CodeAnalysis;
using Microsoft.CodeAnalysis.CSharp;

namespace DslFlow.Generator.Parsing;

/// <summary>
/// Finds the serializer of every type held in state, or in flight between tasks under unaligned checkpoints, at compile
/// time: a type's own <c>[Serializer]</c>, the runtime's built-in serializers and composites — in exactly the shapes the
/// runtime's <c>Serializers.For&lt;T&gt;()</c> builds, so state written either way reads back either way — and
/// member-wise serializer classes for user records, classes and structs. One resolver serves one pipeline, so a user
/// type held by several states (or a state and an edge) gets one class.
/// </summary>
/// <remarks>
/// Recursive types are supported: a type met again while its members are being resolved refers to its own class, and
/// that member's serializer is created lazily (<see cref="SerializedMemberModel.Lazy"/>), so every cycle of eager
/// references is broken and the classes' static instances initialize without seeing each other half-built.
/// </remarks>
internal sealed class SerializerResolver(Compilation compilation, INamedTypeSymbol host, CancellationToken cancellationToken)
{
    public const string ClassPrefix = "__DslFlowSerializer";

    private const int MaxTupleArity = 7;

    private readonly Dictionary<ITypeSymbol, SerializerResolution> _resolved = new(SymbolEqualityComparer.Default);
    private readonly List<ITypeSymbol> _resolvedOrder = [];
    private readonly Dictionary<ITypeSymbol, string> _inProgress = new(SymbolEqualityComparer.Default);
    private readonly List<GeneratedSerializerModel?> _classes = [];

    /// <summary>The classes to generate, in the order their types were first met.</summary>
    public IEnumerable<GeneratedSerializerModel> Classes => _classes.OfType<GeneratedSerializerModel>();

    public SerializerResolution Resolve(ITypeSymbol type)
    {
        cancellationToken.ThrowIfCancellationRequested();
        if (_resolved.TryGetValue(type, out SerializerResolution? done))
        {
            return done;
        }
        if (_inProgress.TryGetValue(type, out string? className))
        {
            return SerializerResolution.Of(Reference(type, className));
        }
        SerializerResolution result = Build(type);
        _resolved[type] = result;
        _resolvedOrder.Add(type);
        return result;
    }

    private SerializerResolution Build(ITypeSymbol type)
    {
        if (type.TypeKind == TypeKind.Error)
        {
            return Fail(type, null);
        }
        if (type is INamedTypeSymbol annotated && SerializerAttributeRules.Find(annotated) is { } attribute)
        {
            return Custom(annotated, attribute);
        }
        if (BuiltInName(type) is { } builtIn)
        {
            return SerializerResolution.Of(new SerializerModel(SerializerKind.Singleton, builtIn, EquatableArray<string>.Empty, EquatableArray<SerializerModel>.Empty));
        }
        switch (type)
        {
            case INamedTypeSymbol { TypeKind: TypeKind.Enum }:
                return SerializerResolution.Of(new SerializerModel(SerializerKind.Singleton, "EnumSerializer", new([Name(type)]), EquatableArray<SerializerModel>.Empty));
            case INamedTypeSymbol nullable when nullable.OriginalDefinition.SpecialType == SpecialType.System_Nullable_T:
                return Composite("NullableSerializer", (nullable.TypeArguments[0], ""));
            case IArrayTypeSymbol { IsSZArray: true } array:
                return Composite("ArraySerializer", (array.ElementType, "[]"));
            case IArrayTypeSymbol:
                return Fail(type, "is a multi-dimensional array; use a single-dimensional array or List<T>");
            case IPointerTypeSymbol or IFunctionPointerTypeSymbol:
                return Fail(type, "is a pointer, which cannot be saved");
            case IDynamicTypeSymbol:
                return Fail(type, "is dynamic; declare a concrete type");
            case INamedTypeSymbol { IsTupleType: true } tuple:
                return Tuple(tuple);
            case INamedTypeSymbol named when CollectionShape(named) is { } collection:
                return Composite(collection.Name, [.. named.TypeArguments.Zip(collection.Steps, (t, step) => (t, step))]);
            case INamedTypeSymbol named:
                return UserType((INamedTypeSymbol)TypeNames.WithoutNullableAnnotation(named));
            default:
                return Fail(type, "is not a class, struct or array");
        }
    }

    private SerializerResolution Custom(INamedTypeSymbol type, AttributeData attribute)
    {
        INamedTypeSymbol? serializer = SerializerAttributeRules.Close(type, attribute, compilation, host, out string? reason);
        if (serializer is null)
        {
            return SerializerResolution.Failed(new SerializationProblem("", TypeNames.Qualified(type), reason, TypeNames.Display(type)) { NeedsAdvice = false });
        }
        return SerializerResolution.Of(new SerializerModel(SerializerKind.Custom, TypeNames.Full(serializer), EquatableArray<string>.Empty, EquatableArray<SerializerModel>.Empty));
    }

    private SerializerResolution Tuple(INamedTypeSymbol tuple)
    {
        int arity = tuple.TupleElements.Length;
        if (arity is < 2 or > MaxTupleArity)
        {
            return Fail(tuple, arity > MaxTupleArity
                ? $"is a value tuple of {arity} elements, and at most {MaxTupleArity} are supported; group the elements into a record"
                : "is a value tuple of one element; use the element's type");
        }
        return Composite("ValueTupleSerializer", [.. tuple.TupleElements.Select(e => (e.Type, "." + e.Name))]);
    }

    private SerializerResolution Composite(string name, params (ITypeSymbol Type, string Step)[] parts)
    {
        var models = new List<SerializerModel>();
        foreach ((ITypeSymbol partType, string step) in parts)
        {
            SerializerResolution part = Resolve(partType);
            if (part.Problem is { } problem)
            {
                return SerializerResolution.Failed(problem.Inside(step, null));
            }
            models.Add(part.Model!);
        }
        return SerializerResolution.Of(new SerializerModel(
            SerializerKind.Composite, name, parts.Select(p => Name(p.Type)).ToEquatableArray(), models.ToEquatableArray()));
    }

    private SerializerResolution UserType(INamedTypeSymbol type)
    {
        for (INamedTypeSymbol? t = type; t is not null; t = t.ContainingType)
        {
            if (!SyntaxFacts.IsValidIdentifier(t.Name))
            {
                return Fail(type, null); // a name being typed: the compiler reports it
            }
        }
        if (UserTypeRules.Unsupported(type, compilation, host) is { } reason)
        {
            bool annotatable = type.TypeKind is TypeKind.Class or TypeKind.Struct && !UserTypeRules.IsFramework(type);
            return Fail(type, reason, annotatable ? TypeNames.Display(type) : null);
        }
        int index = _classes.Count;
        string className = ClassPrefix + index;
        _classes.Add(null);
        _inProgress[type] = className;
        int mark = _resolvedOrder.Count;
        SerializerResolution result = BuildClass(type, className, index);
        _inProgress.Remove(type);
        if (result.Problem is not null)
        {
            ForgetSuccessesSince(mark);
        }
        return result;
    }

    private SerializerResolution BuildClass(INamedTypeSymbol type, string className, int index)
    {
        UserTypeShape shape = UserTypeShape.Read(type, compilation, host);
        if (shape.Problem is { } problem)
        {
            return SerializerResolution.Failed(problem);
        }
        var members = new List<SerializedMemberModel>();
        foreach (UserMember member in shape.Members)
        {
            SerializerResolution resolved = Resolve(member.Type);
            if (resolved.Problem is { } inner)
            {
                return SerializerResolution.Failed(inner.Inside("." + member.Name, TypeNames.Display(type)));
            }
            members.Add(new SerializedMemberModel(member.Name, TypeNames.Full(member.Type), resolved.Model!, member.InInitializer, RefersToInProgress(resolved.Model!)));
        }
        _classes[index] = new GeneratedSerializerModel(
            className,
            TypeNames.Ref(type),
            type.TypeKind == TypeKind.Class && !type.IsSealed,
            members.ToEquatableArray(),
            shape.ConstructorArguments.ToEquatableArray());
        return SerializerResolution.Of(Reference(type, className));
    }

    /// <summary>
    /// A type that failed took its resolution's successes with it: some may refer to its (never generated) class. An
    /// error stops generation anyway; this keeps later reports about those types truthful.
    /// </summary>
    private void ForgetSuccessesSince(int mark)
    {
        for (int i = _resolvedOrder.Count - 1; i >= mark; i--)
        {
            ITypeSymbol type = _resolvedOrder[i];
            if (_resolved[type].Problem is null)
            {
                _resolved.Remove(type);
                _resolvedOrder.RemoveAt(i);
            }
        }
    }

    private bool RefersToInProgress(SerializerModel model) =>
        (model.Kind == SerializerKind.Generated && _inProgress.ContainsValue(model.Name)) || model.Parts.Any(RefersToInProgress);

    /// <summary>A generated class; reference types get the runtime's null flag around it, as the runtime prescribes for user types.</summary>
    private static SerializerModel Reference(ITypeSymbol type, string className)
    {
        var generated = new SerializerModel(SerializerKind.Generated, className, EquatableArray<string>.Empty, EquatableArray<SerializerModel>.Empty);
        return type.IsReferenceType
            ? new SerializerModel(SerializerKind.Composite, "NullableReferenceSerializer", new([Name(type)]), new([generated]))
            : generated;
    }

    private static SerializerResolution Fail(ITypeSymbol type, string? reason, string? annotatable = null) =>
        SerializerResolution.Failed(new SerializationProblem("", TypeNames.Qualified(type), reason, annotatable));

    /// <summary>A type argument of a serializer: no top-level nullable annotation.</summary>
    private static string Name(ITypeSymbol type) => TypeNames.Full(TypeNames.WithoutNullableAnnotation(type));


    /// <summary>The runtime's stateless serializer of a primitive or other fixed type, as its cache lists them.</summary>
    private static string? BuiltInName(ITypeSymbol type)
    {
        switch (type.SpecialType)
        {
            case SpecialType.System_Boolean: return "BooleanSerializer";
            case SpecialType.System_Byte: return "ByteSerializer";
            case SpecialType.System_SByte: return "SByteSerializer";
            case SpecialType.System_Int16: return "Int16Serializer";
            case SpecialType.System_UInt16: return "UInt16Serializer";
            case SpecialType.System_Int32: return "Int32Serializer";
            case SpecialType.System_UInt32: return "UInt32Serializer";
            case SpecialType.System_Int64: return "Int64Serializer";
            case SpecialType.System_UInt64: return "UInt64Serializer";
            case SpecialType.System_Single: return "SingleSerializer";
            case SpecialType.System_Double: return "DoubleSerializer";
            case SpecialType.System_Decimal: return "DecimalSerializer";
            case SpecialType.System_Char: return "CharSerializer";
            case SpecialType.System_String: return "StringSerializer";
            case SpecialType.System_DateTime: return "DateTimeSerializer";
        }
        if (type is IArrayTypeSymbol { IsSZArray: true, ElementType.SpecialType: SpecialType.System_Byte })
        {
            return "ByteArraySerializer";
        }
        if (type is INamedTypeSymbol { Arity: 0, MetadataName: "TimeWindow" } window && UserTypeRules.IsInNamespace(window, "DslFlow"))
        {
            return "TimeWindowSerializer"; // the runtime's: a window node's map state is keyed by windows
        }
        if (type is INamedTypeSymbol { Arity: 0 } named && UserTypeRules.IsInNamespace(named, "System"))
        {
            return named.MetadataName switch
            {
                "Guid" => "GuidSerializer",
                "DateTimeOffset" => "DateTimeOffsetSerializer",
                "TimeSpan" => "TimeSpanSerializer",
                _ => null,
            };
        }
        return null;
    }

    /// <summary>The runtime's composite for a generic collection, with the path step to each type argument.</summary>
    private static (string Name, string[] Steps)? CollectionShape(INamedTypeSymbol type)
    {
        if (!UserTypeRules.IsInNamespace(type, "System.Collections.Generic"))
        {
            return null;
        }
        return type.OriginalDefinition.MetadataName switch
        {
            "List`1" => ("ListSerializer", ["[]"]),
            "Dictionary`2" => ("DictionarySerializer", [".Keys[]", ".Values[]"]),
            "KeyValuePair`2" => ("KeyValuePairSerializer", [".Key", ".Value"]),
            _ => null,
        };
    }
}
