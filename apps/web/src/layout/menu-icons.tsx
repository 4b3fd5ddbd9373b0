import {
  ApartmentOutlined, ApiOutlined, AppstoreOutlined, AuditOutlined, BarChartOutlined, CommentOutlined, DashboardOutlined,
  FileOutlined, FunnelPlotOutlined, LinkOutlined, MenuOutlined, MessageOutlined, PictureOutlined, QrcodeOutlined,
  RocketOutlined, SafetyOutlined, SettingOutlined, TagsOutlined, TeamOutlined, UserOutlined, WechatWorkOutlined,
} from '@ant-design/icons';
import type { ReactNode } from 'react';

/** The antd icons menus may name (menu `icon` holds an antd icon name); others fall back to a generic icon. */
export const menuIcons: Record<string, ReactNode> = {
  ApartmentOutlined: <ApartmentOutlined />, ApiOutlined: <ApiOutlined />, AppstoreOutlined: <AppstoreOutlined />,
  AuditOutlined: <AuditOutlined />, BarChartOutlined: <BarChartOutlined />, CommentOutlined: <CommentOutlined />,
  DashboardOutlined: <DashboardOutlined />, FileOutlined: <FileOutlined />, FunnelPlotOutlined: <FunnelPlotOutlined />,
  LinkOutlined: <LinkOutlined />, MenuOutlined: <MenuOutlined />, MessageOutlined: <MessageOutlined />,
  PictureOutlined: <PictureOutlined />, QrcodeOutlined: <QrcodeOutlined />, RocketOutlined: <RocketOutlined />,
  SafetyOutlined: <SafetyOutlined />, SettingOutlined: <SettingOutlined />, TagsOutlined: <TagsOutlined />,
  TeamOutlined: <TeamOutlined />, UserOutlined: <UserOutlined />, WechatWorkOutlined: <WechatWorkOutlined />,
};

export function menuIcon(name: string | null | undefined): ReactNode {
  if (!name) return undefined;
  return menuIcons[name] ?? <AppstoreOutlined />;
}
