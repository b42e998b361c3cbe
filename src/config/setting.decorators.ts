// The setting decorators moved to src/providers (provider plug-ins declare their options with
// them, and providers never import config); re-exported for older imports.
export { IsHttpUrl, IsSecret, toBool, toSecret } from '../providers/setting.decorators';
