export {
  Badge,
  DateTime as DateTimeCell,
  Field,
  fieldError,
  Notice,
  ProblemNotice,
} from "../views/components";
export { Csrf } from "../views/layout";
